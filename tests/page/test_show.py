"""ui.show: the chart spec the page sends, and its cache."""

from __future__ import annotations

import sys

import altair as alt
import altair.utils.schemapi as schemapi
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from playground.settings import VIEWS
from ui import show


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"layer": [1, 2, 3], "std": [0.5, 0.25, 0.125], "label": ["a", "b", "c"]})


def _decoded(data: bytes) -> pd.DataFrame:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()


def test_spec_carries_the_chart_rows_as_arrow_bytes_and_no_default_size():
    chart = alt.Chart(_frame()).mark_line().encode(x="layer:Q", y="std:Q")
    spec = show.to_spec(chart)
    (data,) = spec["datasets"].values()
    pd.testing.assert_frame_equal(_decoded(data), _frame())
    assert "continuousWidth" not in spec.get("config", {}).get("view", {})
    assert spec["mark"] == chart.to_dict()["mark"]


def test_spec_sends_what_altairs_own_json_carries_and_a_shared_frame_once():
    frame = pd.DataFrame({
        "x": np.array([0.5, np.inf, np.nan, -np.inf], dtype=np.float32),
        "kind": pd.Categorical(["a", "b", None, "a"]),
        "n": [1, 2, 3, 4],
        "text": pd.array(["p", None, "q", "r"], dtype="string"),
        "objects": ["s", None, "t", "u"],
    })
    base = alt.Chart(frame).encode(x="n:Q", y="x:Q", color="kind:N")
    spec = show.to_spec(base.mark_line() + base.mark_point())
    (data,) = spec["datasets"].values()  # one frame under two layers: sent once
    sent = pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pylist()
    # Altair's default transformer on the same frame: the rows a JSON spec would hold (nulls for NaN and inf).
    (rows,) = alt.Chart(frame).mark_point().to_dict()["datasets"].values()
    assert sent == rows
    assert spec["data"] == {"name": next(iter(spec["datasets"]))}


def test_text_categories_go_once_each_as_an_arrow_dictionary():
    labels = [f"label {i % 7}" for i in range(2000)]
    levels = pd.Categorical(np.arange(2000) % 3)
    frame = pd.DataFrame({"n": np.arange(2000), "kind": pd.Categorical(labels), "level": levels})
    (data,) = show.to_spec(alt.Chart(frame).mark_point().encode(x="n:Q", color="kind:N")).get("datasets").values()
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    assert pa.types.is_dictionary(table.schema.field("kind").type)
    assert table.column("kind").to_pylist() == labels
    assert table.column("level").to_pylist() == [str(i % 3) for i in range(2000)]  # other labels as text
    # A categorical without a single category (every value missing): nulls of text, as Altair's JSON has.
    empty = pd.DataFrame({"n": [1, 2], "kind": pd.Categorical([None, None])})
    (data,) = show.to_spec(alt.Chart(empty).mark_point().encode(x="n:Q")).get("datasets").values()
    column = pa.ipc.open_stream(pa.py_buffer(data)).read_all().column("kind")
    assert column.to_pylist() == [None, None] and pa.types.is_large_string(column.type)
    def sent_bytes(column) -> int:
        chart = alt.Chart(pd.DataFrame({"kind": column})).mark_point().encode(x="kind:N")
        return len(show.to_spec(chart)["datasets"].popitem()[1])

    assert sent_bytes(frame["kind"]) < sent_bytes(frame["kind"].astype("string")) / 4


def test_spec_keeps_a_chart_config_other_than_the_default_size():
    chart = alt.Chart(_frame()).mark_point().encode(x="layer:Q").configure_legend(orient="bottom")
    assert show.to_spec(chart)["config"]["legend"] == {"orient": "bottom"}


def test_a_chart_is_built_once_per_key():
    built = []

    def build():
        built.append(1)
        return alt.Chart(_frame()).mark_bar().encode(x="label:N", y="std:Q")

    key = ("test chart", len(built), id(built))
    first = show._cached_spec(key, build)
    second = show._cached_spec(key, build)
    assert built == [1]
    assert first == second
    show._cached_spec(key + ("other",), build)
    assert built == [1, 1]


def test_projector_mode_enlarges_every_label_and_keeps_the_chart_config(monkeypatch):
    spec = show.to_spec(alt.Chart(_frame()).mark_point().encode(x="layer:Q").configure_legend(orient="bottom"))
    monkeypatch.setattr(show.st, "session_state", {"present": True})
    big = show.projector(spec)
    fonts = show.PROJECTOR_FONTS
    assert big["config"]["legend"] == {"orient": "bottom", "labelFontSize": fonts["label"],
                                       "titleFontSize": fonts["title"]}
    assert big["config"]["axis"]["labelFontSize"] == fonts["label"]
    assert big["config"]["title"]["fontSize"] == fonts["heading"]
    monkeypatch.setattr(show.st, "session_state", {"present": False})
    assert show.projector(spec) is spec


@pytest.fixture(scope="module")
def every_section(page):
    """Every section opened once, its charts built anew: what the boxes said, how many charts and from_dicts."""
    seen = {"from_dict": 0, "charts": 0, "texts": []}
    from_dict, to_spec = schemapi._FromDict.__init__, show.to_spec

    def counted_from_dict(self, *args, **kwargs):
        seen["from_dict"] += 1
        return from_dict(self, *args, **kwargs)

    def counted_to_spec(figure):
        seen["charts"] += 1
        return to_spec(figure)

    with pytest.MonkeyPatch.context() as patch:
        patch.delitem(sys.modules, "streamlit.emojis", raising=False)
        patch.setattr(schemapi._FromDict, "__init__", counted_from_dict)
        patch.setattr(show, "to_spec", counted_to_spec)
        show._cached_spec.clear()
        for query in [{"view": view} for view in VIEWS] + [{"view": "compare", "dataset": "moons"}]:
            at = page(query)
            assert not at.exception
            seen["texts"] += [box.value for kind in show.BOXES for box in at.get(kind)]
        seen["emojis"] = "streamlit.emojis" in sys.modules
    return seen


def test_no_box_makes_streamlit_look_for_an_emoji_in_its_text(every_section):
    # With icon=None, Streamlit searches a non-ASCII text for a leading emoji, and its first search in a
    # process imports its catalog: 0.05 s of the first switch to a section whose boxes write σ or χ.
    assert any(not text.isascii() for text in every_section["texts"])  # the boxes that would have made the search
    assert not every_section["emojis"]


def test_no_chart_builds_a_channel_from_a_dict(every_section):
    # An encoding given as a string ("bin_end:Q") or a dict (alt.datum, alt.when) goes through Altair's
    # from_dict, which hashes its whole schema each time: 2-3 ms a channel, against 0.03 ms for alt.X2(...).
    assert every_section["charts"] >= 15
    assert every_section["from_dict"] == 0
