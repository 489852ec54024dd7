"""The symmetry section in AppTest: it renders for both W2 cases and any eps, and shows the API's numbers."""


import pytest
from conftest import assert_shown
from streamlit.testing.v1 import AppTest

from playground import symmetry
from playground.explain import symmetry as explain
from playground.settings import Symmetry

# A small sidebar network, so that the page's own simulation stays quick.
SMALL = {"depth": "3", "width": "40", "samples": "100", "view": "symmetry"}


def symmetry_page(page, query: dict) -> AppTest:
    return page(SMALL | query)


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.get("latex"))


def texts(at: AppTest, kind: str) -> str:
    return "\n".join(e.value for e in at.get(kind))


@pytest.mark.parametrize("w2, eps", [("notes", "0"), ("equal", "1e-16"), ("notes", "1e-08"), ("equal", "0.1")])
def test_section_renders_and_shows_the_api_numbers(page, w2, eps):
    at = symmetry_page(page, {"w2": w2, "eps": eps})
    assert not at.exception
    assert at.radio(key="w2").value == w2
    assert at.select_slider(key="eps").value == float(eps)
    ex = symmetry.worked_example(symmetry.W2_CASES[w2].w2)
    shown = latex(at)
    for name in ("Z1", "Z2", "dW2", "dA1", "dZ1", "dW1", "W1_next", "W2_next"):
        assert symmetry.latex_matrix(ex[name]) in shown, name
    # The 1/m shown as a factor, and the notes' 35 divided by it.
    assert r"\frac{1}{3} \begin{bmatrix}35 \\ 35 \\ 35\end{bmatrix}" in shown and r"\dfrac{35}{3}" in shown
    if w2 == "notes":
        assert r"\dfrac{13}{3}" in shown and "3 : 1 : 2" in texts(at, "markdown")
    else:
        assert r"\dfrac{26}{3}" in shown and "stay identical" in texts(at, "success")
    assert "exactly 0.0" in texts(at, "success")
    assert len(at.get("vega_lite_chart")) == 1
    assert at.query_params["w2"] == w2 and float(at.query_params["eps"]) == float(eps)


def test_shown_step_count_is_the_computed_one(page):
    at = symmetry_page(page, {"eps": "1e-08"})
    run = symmetry.symmetry_over_training("tanh", 1e-8)
    assert f"at step {run.eps_matters_at}" in texts(at, "info")


def test_link_eps_off_the_grid_is_offered(page):
    at = symmetry_page(page, {"eps": "0.05"})
    assert not at.exception and at.select_slider(key="eps").value == 0.05


def test_moving_the_controls_updates_the_link(page):
    at = symmetry_page(page, {})
    at.select_slider(key="eps").set_value(1e-12)
    at.radio(key="w2").set_value("equal")
    at.run()
    assert not at.exception
    assert at.query_params["eps"] == "1e-12" and at.query_params["w2"] == "equal"


def test_bad_link_values_give_notes_not_tracebacks(page):
    at = symmetry_page(page, {"eps": "lots", "w2": "<b>x</b>"})
    assert not at.exception
    assert at.select_slider(key="eps").value == Symmetry().eps and at.radio(key="w2").value == Symmetry().w2
    notes = texts(at, "warning")
    assert "eps=" in notes and "w2=" in notes


def test_the_section_shows_what_explain_says(page):
    at = symmetry_page(page, {"w2": "equal", "eps": "1e-08", "activation": "relu"})
    example = symmetry.worked_example((2, 2, 2))
    run = symmetry.symmetry_over_training("relu", 1e-8)
    assert_shown(at, [
        explain.WORKED_EXAMPLE_INTRO, explain.dw1_columns(example), explain.after_one_step(example),
        explain.NOTES_MISTAKES, explain.setup(run), explain.constant_start(run), explain.resolution(run),
        explain.perturbed_start(run), explain.ZERO_INIT_INTRO, explain.zero_init_outcome(symmetry.zero_init()),
    ])
