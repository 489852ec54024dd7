"""The one place that maps a message's tone to a Streamlit element."""

from __future__ import annotations

from typing import Iterable

import altair as alt
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


def projector(figure: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart with larger labels in projector mode, as it is otherwise."""
    if not st.session_state.get("present"):
        return figure
    size = PROJECTOR_FONTS
    return (
        figure.configure_axis(labelFontSize=size["label"], titleFontSize=size["title"])
        .configure_legend(labelFontSize=size["label"], titleFontSize=size["title"])
        .configure_header(labelFontSize=size["label"], titleFontSize=size["title"])
        .configure_title(fontSize=size["heading"], subtitleFontSize=size["label"])
    )


def chart(figure: alt.TopLevelMixin, width: str = "stretch") -> None:
    """An Altair chart, its labels larger in projector mode."""
    st.altair_chart(projector(figure), width=width)
