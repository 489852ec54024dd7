"""The one place that maps a message's tone to a Streamlit element."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st
from altair.vegalite.data import default_data_transformer, limit_rows

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
        # "" for no icon, not None: with None Streamlit looks for an emoji at the start of any non-ASCII text,
        # and the first such box of a server process loads its emoji catalog for that (about 0.05 s).
        BOXES[said.tone](said.text, icon=said.icon or "")
    elif said.tone == "caption":
        st.caption(said.text)
    else:
        st.markdown(said.text)


def messages(said: Iterable[Message | None]) -> None:
    for one in said:
        message(one)


def _frame_arrow(frame: pd.DataFrame) -> bytes:
    """A chart's frame as Arrow IPC bytes, with the values Altair's JSON would carry: labels as text, no infinities.

    A categorical column of text labels goes as an Arrow dictionary (each
    label once, a small index per row: the phase diagram's tooltip text in a
    quarter of the bytes); Streamlit's Vega reads its labels.
    """
    sent = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = column.cat.categories
            if not (len(categories) and all(isinstance(label, str) for label in categories)):
                column = column.astype("string")  # its labels as text, missing ones null
        elif pd.api.types.is_float_dtype(column.dtype):
            column = column.where(np.isfinite(column.to_numpy()))  # JSON has no inf: Altair sends null
        sent[str(name)] = column.reset_index(drop=True)
    table = pa.Table.from_pandas(pd.DataFrame(sent), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _arrow(rows: list[dict]) -> bytes:
    """Inline rows (a chart built from a list, not a frame) as Arrow IPC bytes: the frame's way, from their frame."""
    return _frame_arrow(pd.DataFrame.from_records(rows))


# The frames of the chart ``to_spec`` is converting, in this thread: name -> frame.
_FRAMES = threading.local()


def _named_frames(data, max_rows: int = 5000):
    """Altair's data transformer: in ``to_spec``, a frame becomes a named dataset sent as Arrow from the frame itself.

    Altair's own turns every row into a dict and names the dataset by the
    hash of its JSON; for the phase diagram's 2400 cells that took 0.087 s
    against 0.014 s this way. Elsewhere (no ``to_spec`` running), Altair's default.
    """
    frames = getattr(_FRAMES, "frames", None)
    if frames is None or not isinstance(data, pd.DataFrame):
        return default_data_transformer(data, max_rows=max_rows)
    limit_rows(data, max_rows=max_rows)
    for name, (frame, _) in frames.items():
        if frame is data:  # one frame in several layers: sent once
            return {"name": name}
    name = f"frame-{len(frames)}"
    frames[name] = (data, _frame_arrow(data))
    return {"name": name}


alt.data_transformers.register("playground", _named_frames)
alt.data_transformers.enable("playground")


def to_spec(figure: alt.TopLevelMixin) -> dict:
    """An Altair chart as the Vega-Lite spec Streamlit sends: its datasets as Arrow bytes, no default size.

    Not validated against the schema here (the chart tests validate every
    builder's output); Altair's default theme's view size is dropped, as
    Streamlit's own conversion does, so that the page's widths apply.
    """
    _FRAMES.frames = {}
    try:
        spec = figure.to_dict(validate=False)
        frames = _FRAMES.frames
    finally:
        _FRAMES.frames = None
    view = spec.get("config", {}).get("view", {})
    for name in ("continuousWidth", "continuousHeight"):
        view.pop(name, None)
    if "view" in spec.get("config", {}) and not view:
        del spec["config"]["view"]
    if "config" in spec and not spec["config"]:
        del spec["config"]
    datasets = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}
    datasets.update({name: sent for name, (_, sent) in frames.items()})
    if datasets:
        spec["datasets"] = datasets
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
