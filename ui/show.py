"""The one place that maps a message's tone to a Streamlit element."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from playground.explain import Message

# Font sizes in projector mode, for a room that reads from the back.
PROJECTOR_FONTS = {"label": 16, "title": 18, "heading": 22}

# Tone -> the element that shows it (see playground.explain.message.TONES).
BOXES = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}


def message(said: Message | None) -> None:
    """Show one message (nothing for None): a coloured box, Markdown, or a caption."""
    if said is None:
        return
    if said.tone in BOXES:
        BOXES[said.tone](said.text, icon=said.icon)
    elif said.tone == "caption":
        st.caption(said.text)
    else:
        st.markdown(said.text)


def messages(said: Iterable[Message | None]) -> None:
    for one in said:
        message(one)


def _arrow(rows: list[dict]) -> bytes:
    """A chart's dataset as Arrow IPC bytes, the form Streamlit sends chart data in."""
    table = pa.Table.from_pandas(pd.DataFrame.from_records(rows), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def to_spec(figure: alt.TopLevelMixin) -> dict:
    """An Altair chart as the Vega-Lite spec Streamlit sends: its datasets as Arrow bytes, no default size.

    Not validated against the schema here (the chart tests validate every
    builder's output); Altair's default theme's view size is dropped, as
    Streamlit's own conversion does, so that the page's widths apply.
    """
    spec = figure.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    for name in ("continuousWidth", "continuousHeight"):
        view.pop(name, None)
    if "view" in spec.get("config", {}) and not view:
        del spec["config"]["view"]
    if "config" in spec and not spec["config"]:
        del spec["config"]
    spec["datasets"] = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_spec(key: tuple, _build: Callable[[], alt.TopLevelMixin]) -> dict:
    # Keyed by what the chart shows (a network, a comparison's keys...): a visitor who opens a setting
    # someone has opened before gets its charts without building them again.
    return to_spec(_build())


def projector(spec: dict) -> dict:
    """The spec with larger labels in projector mode, as it is otherwise."""
    if not st.session_state.get("present"):
        return spec
    size = PROJECTOR_FONTS
    labels = {"labelFontSize": size["label"], "titleFontSize": size["title"]}
    config = dict(spec.get("config", {}))
    for part in ("axis", "legend", "header"):
        config[part] = {**config.get(part, {}), **labels}
    config["title"] = {**config.get("title", {}), "fontSize": size["heading"], "subtitleFontSize": size["label"]}
    return {**spec, "config": config}


def chart(build: Callable[[], alt.TopLevelMixin], key: tuple, width: str = "stretch", *,
          select_key: str | None = None, **select):
    """The chart ``build()`` makes, cached under ``key`` (what it shows), its labels larger in projector mode.

    ``select`` (``on_select``, ``selection_mode``) goes to ``st.vega_lite_chart``,
    with ``select_key`` as its widget key; its return value is returned.
    """
    if select_key is not None:
        select["key"] = select_key
    return st.vega_lite_chart(projector(_cached_spec(key, build)), width=width, **select)
