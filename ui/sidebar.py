"""The sidebar: the lesson stepper, then the network's controls. ``draw`` returns the network they hold."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from playground import activations, initializers, lessons, plan
from playground.settings import BIAS_RANGE, BIAS_STD_RANGE, DEPTH_RANGE, SAMPLES_RANGE, SEED_RANGE, WIDTH_RANGE, Network

from . import link


def open_lesson(key: str) -> None:
    """Set every control to the lesson's setting (a widget callback: runs before the widgets are drawn).

    Leaving the lessons ("your own setting") keeps the controls as they are.
    """
    if key:
        link.seed(replace(lessons.LESSONS[key].state, present=link.present()))


def step_lesson(offset: int) -> None:
    order = lessons.LESSON_ORDER
    current = st.session_state.get("lesson") or ""
    index = order.index(current) + offset if current else (0 if offset > 0 else len(order) - 1)
    open_lesson(order[max(0, min(len(order) - 1, index))])


def lesson_stepper() -> None:
    """The lesson menu with Previous and Next (in the sidebar, or in the main area in projector mode)."""
    st.selectbox(
        "Lesson",
        options=[""] + lessons.LESSON_ORDER,
        format_func=lambda k: lessons.LESSONS[k].title if k else "Your own setting",
        key="lesson",
        on_change=lambda: open_lesson(st.session_state["lesson"]),
        help="One-click scenarios that walk through the lecture notes. Pick one, then change anything.",
    )
    previous_col, next_col = st.columns(2)
    current = st.session_state["lesson"]
    previous_col.button("← Previous", on_click=step_lesson, args=(-1,), width="stretch",
                        disabled=current == lessons.LESSON_ORDER[0])
    next_col.button("Next →", on_click=step_lesson, args=(1,), width="stretch",
                    disabled=current == lessons.LESSON_ORDER[-1])


def param_widget(param: initializers.Param, width: int) -> None:
    """The control for one initializer parameter."""
    # A parameter whose widget was not drawn in the last run (another
    # initializer was chosen) starts again from its default, not the slider's minimum.
    if param.name not in st.session_state:
        st.session_state[param.name] = int(param.default) if param.integer else param.default
    if param.log:
        current = st.session_state.get(param.name, param.default)
        options = sorted(set(initializers.LOG_STEPS) | {float(current)})
        st.select_slider(param.label, options=options, key=param.name, format_func=lambda v: f"{v:g}",
                         help=param.help)
    elif param.integer:
        high = min(int(param.high), width)
        if st.session_state.get(param.name, param.default) > high:
            st.session_state[param.name] = high
        if high <= int(param.low):
            # A one-unit layer leaves one choice, and a slider needs two.
            st.caption(f"{param.label}: {high} (every unit has a single input)")
        else:
            st.slider(param.label, int(param.low), high, key=param.name, help=param.help)
    else:
        st.number_input(param.label, min_value=param.low, max_value=param.high, step=0.01, key=param.name,
                        help=param.help)


def _network_controls(widest: int) -> None:
    st.header("Network")
    st.selectbox("Activation", options=list(activations.ACTIVATIONS), key="activation",
                 format_func=lambda k: activations.ACTIVATIONS[k].label,
                 help="The non-linearity φ applied after every layer: a = φ(s).")
    init_key = st.selectbox("Initializer", options=list(initializers.INITIALIZERS), key="init",
                            format_func=lambda k: initializers.INITIALIZERS[k].label,
                            help="How every weight matrix W (fan_in × fan_out) is drawn before training.")
    width = st.slider("Width (units per layer)", WIDTH_RANGE[0], widest, key="width",
                      help="n: every layer has this many units, and so this many inputs per unit (fan-in). "
                      f"Up to {widest} at this depth and initializer, to keep the page fast.")
    for param in initializers.INITIALIZERS[init_key].params:
        param_widget(param, width)
    st.slider("Depth (layers)", *DEPTH_RANGE, key="depth", help="Number of hidden layers.")
    st.number_input("Bias (every unit)", min_value=BIAS_RANGE[0], max_value=BIAS_RANGE[1], step=0.01, key="bias",
                    help="The constant every bias starts at: 0, or 0.01 as some do for ReLU (notes 003).")
    with st.expander("Advanced"):
        st.number_input(
            "Bias std (σ_b)",
            min_value=BIAS_STD_RANGE[0],
            max_value=BIAS_STD_RANGE[1],
            step=0.05,
            key="bias_std",
            format="%.4g",
            help="Each unit's bias is drawn once from N(b, σ_b²); 0 gives every unit "
            "the bias b. Signal propagation's σ_b² (the Signal propagation section).",
        )
        st.slider("Samples", *SAMPLES_RANGE, step=10, key="samples",
                  help="Examples in the batch pushed through the network (the notes use 1000).")
        st.number_input("Seed", min_value=SEED_RANGE[0], max_value=SEED_RANGE[1], step=1, key="seed",
                        help="Seed of every random draw: the same seed gives the same numbers, here and in a link.")
        st.checkbox("Normalize inputs", key="normalize",
                    help="On: inputs are unit Gaussian. Off: the same draws as raw pixel-like values "
                    "(128 + 64 z, clipped to 0–255), positive with a large mean.")
        st.checkbox("Batch norm", key="batchnorm",
                    help="Normalize each unit's pre-activation over the batch (mean 0, variance 1) before φ.")
        st.radio("Precision", options=list(initializers.DTYPES), key="precision", horizontal=True,
                 help="float32, as PyTorch and Keras compute (its largest number is 3.4e38, so exploding "
                 "signals overflow within tens of layers), or float64 (1.8e308).")


def draw() -> tuple[Network, plan.Lowered | None]:
    """Draw the sidebar; the network its controls hold, and the width fit the weight budget made.

    Drawing the weights has a budget of its own, which fewer samples cannot
    meet: where depth x width^2 exceeds it, the width is lowered before its
    slider is drawn (and the page says so).
    """
    ss = st.session_state
    lowered = plan.fit_width(ss["depth"], ss["width"], ss["init"])
    if lowered:
        ss["width"] = lowered.used
    widest = plan.affordable_width(ss["depth"], WIDTH_RANGE[1], [ss["init"]])
    # Once the user changes the lesson's network, the page shows the user's own setting.
    if ss.get("lesson") and link.network() != lessons.LESSONS[ss["lesson"]].state.network:
        ss["lesson"] = ""
    with st.sidebar:
        if not link.present():
            lesson_stepper()
        _network_controls(widest)
        st.toggle("Projector mode", key="present",
                  help="For a room that reads from the back: the lesson stepper in the main area, larger chart "
                  "labels, the sidebar closed when the link opens. In the link as present=true.")
    return link.network(), lowered
