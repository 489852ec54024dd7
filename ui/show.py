"""The one place that maps a message's tone to a Streamlit element."""

from __future__ import annotations

from typing import Iterable

import streamlit as st

from playground.explain import Message

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
