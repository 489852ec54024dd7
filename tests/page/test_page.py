"""The page in Streamlit's AppTest: every option renders, links set the controls and come back."""


import pytest
from conftest import assert_shown
from streamlit.testing.v1 import AppTest

from playground import activations, initializers, links, plan, reproduce
from playground.diagnosis import diagnose
from playground.explain import activations as explain
from playground.explain.activations import verdict
from playground.settings import VIEWS, Network
from playground.simulation import simulate

SMALL = {"depth": "3", "width": "40", "samples": "100"}




def charts(at: AppTest) -> list:
    return at.get("vega_lite_chart")


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_default_page_is_the_notes_experiment(page):
    at = page()
    assert not at.exception
    assert at.selectbox(key="activation").value == "tanh"
    assert at.selectbox(key="init").value == "normal"
    assert at.select_slider(key="std").value == 0.01
    assert (at.slider(key="depth").value, at.slider(key="width").value, at.slider(key="samples").value) == (
        5,
        500,
        1000,
    )
    result = simulate("tanh", "normal", depth=5, width=500, init_params={"std": 0.01})
    expected = verdict(diagnose(result.layers), "tanh").text
    assert expected in texts(at.warning)
    assert {k: at.query_params[k] for k in at.query_params} == links.default_query()


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_every_activation_renders(page, name):
    at = page(SMALL | {"activation": name})
    assert not at.exception and at.selectbox(key="activation").value == name
    assert len(charts(at)) >= 2


@pytest.mark.parametrize("name", list(initializers.INITIALIZERS))
def test_every_initializer_renders(page, name):
    at = page(SMALL | {"init": name})
    assert not at.exception and at.selectbox(key="init").value == name
    for param in initializers.INITIALIZERS[name].params:
        assert param.name in at.session_state


def test_every_view_option_renders(page):
    at = page(SMALL)
    shown = at.radio(key="view").options
    keys = [key for key, label in VIEWS.items() if label in shown]
    assert keys[0] == "activations" and len(keys) == len(shown)
    for key in keys:
        at.radio(key="view").set_value(key).run()
        assert not at.exception, key
        assert at.query_params["view"] == key


def test_a_link_sets_the_controls(page):
    at = page({"activation": "relu", "init": "he_normal", "depth": "10", "width": "500", "bias": "0.01", "seed": "3"})
    assert not at.exception
    assert at.selectbox(key="activation").value == "relu"
    assert at.selectbox(key="init").value == "he_normal"
    assert at.slider(key="depth").value == 10
    assert at.number_input(key="bias").value == 0.01
    assert at.number_input(key="seed").value == 3
    assert not at.warning or all("link" not in w for w in texts(at.warning))


def test_a_bad_link_shows_a_note_and_uses_defaults(page):
    at = page({"depth": "999", "activation": "<b>x</b>", "nope": "1"})
    assert not at.exception
    notes = " ".join(texts(at.warning))
    assert "depth=“999” was ignored" in notes and "Unknown link parameter “nope”" in notes
    assert "activation=" in notes and "<b>" not in notes
    assert at.slider(key="depth").value == 5 and at.selectbox(key="activation").value == "tanh"


def test_the_url_follows_the_controls(page):
    at = page(SMALL)
    at.selectbox(key="activation").set_value("relu").run()
    at.selectbox(key="init").set_value("he_normal").run()
    assert at.query_params["activation"] == "relu" and at.query_params["init"] == "he_normal"
    assert "std" not in at.query_params
    state, notes = links.parse_query(dict(at.query_params))
    assert notes == [] and state.network.activation == "relu" and state.network.depth == 3


def test_the_budget_lowers_samples_and_says_so(page):
    at = page({"depth": "20", "width": "1000", "samples": "5000"})
    assert not at.exception
    assert at.slider(key="width").value == 1000
    expected = plan.affordable_samples(20, 1000, 5000)
    assert expected < 5000
    assert any(f"Using {expected} samples instead of 5000" in i for i in texts(at.info))


def test_the_weight_budget_lowers_the_width_and_says_so(page):
    at = page({"depth": "100", "width": "1000", "init": "he_normal"})
    assert not at.exception
    widest = plan.affordable_width(100, 1000, ["he_normal"])
    assert widest < 1000 and plan.affordable_width(100, widest + 1, ["he_normal"]) == widest
    assert at.slider(key="width").value == widest and at.slider(key="width").max == widest
    assert any(f"Width lowered from 1000 to {widest}" in i for i in texts(at.info))
    assert at.query_params["width"] == str(widest)


def test_overflow_is_shown_not_raised(page):
    at = page({"activation": "linear", "init": "constant", "value": "10", "depth": "100", "width": "1000"})
    assert not at.exception
    assert any("overflow at layer" in e for e in texts(at.error))


def test_switching_initializer_starts_its_parameter_at_the_default(page):
    at = page(SMALL | {"init": "he_normal"})
    at.selectbox(key="init").set_value("normal").run()
    assert at.select_slider(key="std").value == 0.01
    at.selectbox(key="init").set_value("sparse").run()
    assert at.slider(key="nonzero").value == 10
    assert not at.exception


def test_the_activations_section_shows_what_explain_says(page):
    at = page(SMALL | {"init": "lecun_normal"})
    network = Network(depth=3, width=40, samples=100).with_init("lecun_normal")
    result = simulate(**network.simulate_kwargs())
    assert_shown(at, [explain.notes_name(network), explain.verdict(diagnose(result.layers), "tanh")])
    assert at.metric[0].value == explain.gain(network) == "1"


def test_reproduce_this_shows_the_code_of_the_setting_that_ran(page):
    at = page({"depth": "20", "width": "1000", "samples": "5000", "activation": "relu", "init": "he_normal"})
    ran = plan.for_view(Network(activation="relu", depth=20, width=1000, samples=5000).with_init("he_normal"),
                        "activations").simulated
    assert ran.samples < 5000  # the budget lowered it: the script must say what ran
    torch, keras = reproduce.framework_code(ran)
    # st.code drops a final newline.
    assert [c.value for c in at.code] == [t.rstrip("\n") for t in (reproduce.numpy_script(ran), torch.code, keras.code)]
    assert f"depth, width, n_samples = 20, 1000, {ran.samples}\n" in at.code[0].value


def test_a_sections_controls_come_back_as_they_were_after_another_section(page):
    at = page(SMALL | {"view": "compare", "compare": "he_normal,zeros", "dataset": "moons", "steps": "20",
                       "train_depth": "2", "train_width": "8"})
    at.radio(key="view").set_value("symmetry").run()
    at.select_slider(key="eps").set_value(0.001).run()
    at.radio(key="view").set_value("activations").run()
    # The link still holds what the other sections were set to ...
    assert at.query_params["compare"] == "he_normal,zeros" and at.query_params["dataset"] == "moons"
    assert at.query_params["eps"] == "0.001"
    at.radio(key="view").set_value("compare").run()
    # ... and so do their controls, when the section is open again.
    assert not at.exception
    assert (
        at.multiselect(key="compare").value == ["he_normal", "zeros"] and at.selectbox(key="dataset").value == "moons"
    )
    at.radio(key="view").set_value("symmetry").run()
    assert at.select_slider(key="eps").value == 0.001
