"""The "Compare & train" section of the page, run headless with Streamlit's AppTest."""

import pytest
from conftest import assert_shown
from streamlit.testing.v1 import AppTest

from playground import compare, plan
from playground.explain import compare as explain
from playground.settings import Network, Training

# A light network, so that each run trains quickly; the section itself is the same.
LIGHT = {"view": "compare", "depth": "3", "width": "100", "steps": "50", "train_depth": "3", "train_width": "16"}
# The charts of the section: three of the comparison, three of the training (curves, gradient map, top
# layer), and on 2-D data the decision maps.
COMPARISON_CHARTS, TRAINING_CHARTS = 3, 3




def charts(at: AppTest) -> list:
    return at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_the_section_renders_with_the_defaults(page):
    at = page(view="compare")
    assert_clean(at)
    assert len(charts(at)) == COMPARISON_CHARTS + TRAINING_CHARTS  # the digits: no decision map
    assert len(at.dataframe) == 2
    assert at.multiselect(key="compare").value == [
        "zeros", "normal:0.01", "normal:1", "lecun_normal", "xavier_normal", "he_normal", "orthogonal", "sparse",
    ]
    # The comparison says that it lowered the samples, and the progress bar is gone once training is done.
    samples = plan.comparison_samples(Network(), 8)
    assert samples < Network().samples
    assert any(f"uses {samples} samples" in info.value for info in at.info)
    assert not at.get("progress")


def test_a_link_can_compare_any_fixed_std(page):
    at = page(**LIGHT, compare="he_normal,normal:0.5,normal:0.010")
    assert_clean(at)
    select = at.multiselect(key="compare")
    assert select.value == ["he_normal", "normal:0.5", "normal:0.010"]
    # Options are shown by their labels: each initializer once, in the link's spelling.
    assert "normal, std 0.5" in select.options
    assert len(set(select.options)) == len(select.options)
    assert len(charts(at)) == COMPARISON_CHARTS + TRAINING_CHARTS


@pytest.mark.parametrize("dataset", ["circles", "moons", "spirals", "xor", "digits"])
def test_every_dataset_trains(page, dataset):
    at = page(**LIGHT, dataset=dataset, compare="zeros,he_normal")
    assert_clean(at)
    assert at.selectbox(key="dataset").value == dataset
    maps = 0 if dataset == "digits" else 1
    assert len(charts(at)) == COMPARISON_CHARTS + TRAINING_CHARTS + maps


def test_both_optimizers_and_a_divergence_show_without_a_traceback(page):
    at = page(**{**LIGHT, "train_depth": "10", "train_width": "32"}, dataset="circles", train_activation="relu",
              optimizer="gd", lr="0.1", compare="normal:1,he_normal")
    assert_clean(at)
    assert at.radio(key="optimizer").value == "gd"
    assert any("diverged at step" in w.value for w in at.warning)
    at.radio(key="optimizer").set_value("adam").run()
    assert_clean(at)
    assert not any("diverged at step" in w.value for w in at.warning)
    assert at.query_params["optimizer"] == "adam"


def test_widgets_write_the_link_and_an_empty_choice_is_explained(page):
    at = page(**LIGHT, compare="zeros,he_normal")
    at.select_slider(key="lr").set_value(0.05).run()
    at.select_slider(key="steps").set_value(20).run()
    assert_clean(at)
    assert at.query_params["lr"] == "0.05" and at.query_params["steps"] == "20"
    at.multiselect(key="compare").set_value([]).run()
    assert_clean(at)
    assert any("Pick at least one" in info.value for info in at.info)
    assert not charts(at)


def test_a_hostile_link_falls_back_without_a_traceback(page):
    at = page(**{**LIGHT, "steps": "5"}, compare="bogus,normal:abc", lr="7", dataset="spiral", optimizer="rmsprop")
    assert_clean(at)
    assert len(at.warning) >= 5  # one link note per ignored value
    default = Training()
    assert at.select_slider(key="lr").value == default.lr and at.select_slider(key="steps").value == default.steps
    assert at.selectbox(key="dataset").value == default.dataset
    assert at.radio(key="optimizer").value == default.optimizer
    assert len(charts(at)) == COMPARISON_CHARTS + TRAINING_CHARTS


def test_the_default_comparison_keeps_the_sidebars_network(page):
    at = page(view="compare")
    assert_clean(at)
    assert not any("units per layer instead of" in i.value for i in at.info)
    assert "5 layers of 500 units" in " ".join(c.value for c in at.caption)


def test_the_section_shows_what_explain_says(page):
    at = page(**LIGHT, compare="zeros,normal:0.01,he_normal")
    assert_clean(at)
    network = Network(depth=3, width=100)
    keys = ("zeros", "normal:0.01", "he_normal")
    planned = plan.comparison(network, keys)
    comparison = compare.compare_initializers(planned.network, keys)
    assert_shown(at, [explain.setup(network, planned), *explain.lowered(network, planned)])
    shown = at.dataframe[0].value
    expected = explain.summary_table(comparison, "tanh")
    assert shown["verdict"].tolist() == expected["verdict"].tolist()
    assert shown["last_std"].tolist() == expected["last_std"].tolist()
