"""Charts of the variance argument: predicted against measured Var(s) per layer."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import LINE_HEIGHT, drawable_on_log, log_lines, positive

SOURCE_COLORS = {"measured": "#4c78a8", "mean-field theory": "#f58518", "notes' formula": "#54a24b"}
SOURCE_DASHES = {"measured": [1, 0], "mean-field theory": [6, 4], "notes' formula": [2, 3]}


def _source_encodings(sources: list[str]) -> dict:
    domain = [s for s in SOURCE_COLORS if s in sources]
    return dict(
        color=alt.Color(
            "source:N", title="", scale=alt.Scale(domain=domain, range=[SOURCE_COLORS[s] for s in domain])
        ),
        strokeDash=alt.StrokeDash(
            "source:N", title="", scale=alt.Scale(domain=domain, range=[SOURCE_DASHES[s] for s in domain])
        ),
    )


def variance_chart(frame: pd.DataFrame, *, title: str = "Variance of the pre-activations s per layer") -> alt.Chart:
    """Var(s_l) per layer, measured and predicted, on a log axis.

    ``frame`` is long: layer, source (a key of ``SOURCE_COLORS``) and
    variance. On a log axis [n Var(w)]^k is a straight line.
    """
    data, subtitle = drawable_on_log(
        frame, "variance",
        "Log axis. Measured: the variance of s = aW + b over all units and examples, before batch norm.",
    )
    tooltip = [alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("source:N", title="source"),
               alt.Tooltip("variance:Q", title="Var(s)", format=".4~g")]
    return log_lines(data, y="variance", y_title="Var(s)", tooltip=tooltip,
                     title=alt.TitleParams(title, subtitle=subtitle, anchor="start"),
                     **_source_encodings(list(data["source"].unique())))


def ratio_chart(frame: pd.DataFrame, *, title: str = "Measured ÷ predicted") -> alt.LayerChart:
    """measured / predicted Var(s) per layer and prediction, on a log axis with a rule at 1.

    ``frame``: layer, source (the prediction) and ratio.
    """
    data = positive(frame, "ratio")
    tooltip = [alt.Tooltip("layer:Q", title="layer"), alt.Tooltip("source:N", title="prediction"),
               alt.Tooltip("ratio:Q", title="measured ÷ predicted", format=".3~g")]
    lines = log_lines(data, y="ratio", y_title="measured ÷ predicted", tooltip=tooltip,
                      **_source_encodings(list(data["source"].unique())))
    one = (
        alt.Chart(pd.DataFrame({"ratio": [1.0], "meaning": ["measured = predicted"]}))
        .mark_rule(color="gray")
        .encode(y=alt.Y("ratio:Q"), tooltip=[alt.Tooltip("meaning:N", title="")])
    )
    return alt.layer(one, lines).properties(
        title=alt.TitleParams(title, subtitle="Log axis; 1 is a perfect prediction.", anchor="start"),
        height=LINE_HEIGHT,
    )
