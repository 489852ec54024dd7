"""The session's widget state and the page's link, both ways, driven by ``playground.links.FIELDS``.

Every control's widget key is its link parameter's name, so one table
says where each value lives: reading the link sets the widgets once per
session, and the widgets' state becomes the page state the link is written
from after every run.
"""

from __future__ import annotations

from dataclasses import fields, replace

import streamlit as st

from playground import init_keys, initializers, lessons, links
from playground.settings import Network, PageState, Propagation, Symmetry, Training

GROUPS = {"network": Network, "training": Training, "symmetry": Symmetry, "propagation": Propagation}


# Where the controls' values are kept between runs: Streamlit does not keep the value of a widget that a
# run does not draw (another section is open), and a section's controls must come back as they were.
KEPT = "link_kept"
# The section that draws each group's controls; the sidebar's (and the page's own) are always drawn.
DRAWN_IN = {"training": "compare", "symmetry": "symmetry", "propagation": "propagation"}


def load_once() -> None:
    """Set every widget from the page's link, once per session, and keep the link's notes.

    On every later run, the controls of a section the last run did not draw
    get back the values they had: nobody can have changed them in between.
    """
    if "link_notes" in st.session_state:
        kept = st.session_state.get(KEPT)
        if kept:
            for f in links.FIELDS:
                if DRAWN_IN.get(f.group, kept["view"]) != kept["view"] and f.name in kept["values"]:
                    st.session_state[f.name] = kept["values"][f.name]
        return
    query = {name: st.query_params.get_all(name) for name in st.query_params}
    state, notes = links.parse_query(query, lessons=lessons.LESSONS)
    st.session_state["link_notes"] = notes
    # A lesson's link stands for the lesson's whole setting, shown as the link asks (projector mode or not).
    seed(replace(lessons.LESSONS[state.lesson].state, present=state.present) if state.lesson else state)


def notes() -> list[str]:
    """What the link asked for that the page could not use."""
    return st.session_state["link_notes"]


def seed(state: PageState) -> None:
    """Every widget set to ``state`` (before the widgets are drawn, or from a widget callback)."""
    st.session_state["lesson"] = state.lesson
    for f in links.FIELDS:
        value = getattr(state if not f.group else getattr(state, f.group), f.attr)
        st.session_state[f.name] = list(value) if isinstance(value, tuple) else value
    for name, value in state.network.init_params:
        st.session_state[name] = int(value) if links.INIT_PARAMS[name].integer else value
    remember(state.view)


def remember(view: str) -> None:
    """Keep every control's value and the open section, for the next run (see ``load_once``)."""
    values = {f.name: st.session_state[f.name] for f in links.FIELDS if f.name in st.session_state}
    st.session_state[KEPT] = {"view": view, "values": values}


def _group(group: str):
    """The dataclass of ``group`` as the widgets hold it (a widget not drawn yet keeps its last value)."""
    cls = GROUPS[group]
    defaults = cls()
    values = {}
    for f in links.FIELDS:
        if f.group == group:
            default = getattr(defaults, f.attr)
            value = st.session_state.get(f.name, default)
            values[f.attr] = tuple(value) if isinstance(default, tuple) else type(default)(value)
    return cls(**values)


def network() -> Network:
    """The network the sidebar's widgets hold, with the chosen initializer's parameters."""
    net = _group("network")
    params = {p.name: st.session_state.get(p.name, p.default) for p in initializers.get(net.init).params}
    return Network(**{f.name: getattr(net, f.name) for f in fields(Network) if f.name != "init_params"},
                   init_params=tuple(sorted(params.items())))


def training() -> Training:
    return _group("training")


def symmetry() -> Symmetry:
    return _group("symmetry")


def propagation() -> Propagation:
    return _group("propagation")


def compared_keys() -> tuple[str, ...]:
    """The initializers the comparison's widget holds, one spelling each."""
    return init_keys.canonical_keys([str(key) for key in st.session_state.get("compare", [])])


def present() -> bool:
    """Whether the page is in projector mode."""
    return bool(st.session_state.get("present", False))


def write(view: str) -> None:
    """Put every control into the address bar, so that the link reproduces this page."""
    state = PageState(view=view, lesson=st.session_state["lesson"], network=network(), training=training(),
                      symmetry=symmetry(), propagation=propagation(), present=present())
    remember(view)
    query = links.to_query(state)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
