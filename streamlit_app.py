"""Weight-initialization playground: why the first values of the weights decide whether a network learns.

Run with ``streamlit run streamlit_app.py``. This file is the page's frame,
read top to bottom: the link, the sidebar, the plan of the work, the notes,
the open section, the link again. The sections live in ``ui/sections/``,
their numbers and sentences in ``playground/``.
"""

from __future__ import annotations

import os
from pathlib import Path

# One BLAS thread per computation: a server runs several at once (two, one light and one heavy: ui/compute.py)
# for a class, where OpenBLAS's threads fight over the cores and every product slows down 2 to 10 times
# (benchmarks/load_test.py). Set before numpy loads; a value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import playground  # noqa: F401, E402, I001 -- before numpy: it limits OpenBLAS's spinning (playground/__init__.py)
import streamlit as st

from playground import lessons, plan
from playground.explain import notes
from playground.settings import VIEWS
from ui import compute, link, show, sidebar
from ui.sections import SECTIONS, Context

ICON = Path(__file__).resolve().parent / "ui" / "static" / "icon.png"

# The icon is a file of the app's own: nothing is fetched from outside.
st.set_page_config(page_title="Weight initialization playground", page_icon=str(ICON), layout="wide")

# 1. The link sets every control, once per session; projector mode starts with the sidebar closed.
link.load_once()
st.set_page_config(initial_sidebar_state="collapsed" if link.present() else "auto")

# 2. The sidebar: the lesson stepper and the network (its width fitted to the weight budget).
network, width_lowered = sidebar.draw()

# 3. The plan: what the open section runs, fitted to the work budget.
view = st.session_state["view"]
page = plan.for_view(network, view, keys=link.compared_keys(), trained=link.training(), width_lowered=width_lowered)
result = compute.run_simulation(page.simulated) if page.simulated else None

# 4. The title and the notes: the link's ignored values, the lesson, what the budget lowered.
st.title("Weight initialization playground")
st.caption(
    "Push a batch through a deep network at initialization and watch each layer's activations: "
    "the weights' first values decide whether the signal survives."
)
if link.present():
    sidebar.lesson_stepper()
lesson = lessons.LESSONS.get(st.session_state["lesson"])
finding = (lesson, compute.lesson_finding(lesson.key)) if lesson else None
show.messages(notes.header(page, result, link.notes(), finding))

# 5. The section: only the open one is computed and sent to the browser.
view = st.radio("Section", options=[key for key in VIEWS if key in SECTIONS], format_func=VIEWS.get,
                horizontal=True, key="view", label_visibility="collapsed")
SECTIONS[view](Context(network=network, plan=page, result=result))

# 6. The link: every control, so the address bar reproduces this page.
link.write(view)
