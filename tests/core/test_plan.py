"""The work budget: what it allows, against its own definitions."""

import pytest

from playground import plan, settings
from playground.simulation import KEPT_WEIGHT_VALUES


def test_samples_fit_both_budgets_and_are_the_largest_that_do():
    for depth, width, bn in [(5, 500, False), (20, 1000, True), (100, 500, True), (3, 10, False)]:
        n = plan.affordable_samples(depth, width, 5000, batch_norm=bn)
        assert n == 5000 or depth * width**2 * (n + 1) > plan.WORK_BUDGET or (
            (depth + 1) * width * (n + 1) * (2 if bn else 1) > plan.VALUES_BUDGET
        )
        assert n == plan.MIN_SAMPLES or depth * width**2 * n <= plan.WORK_BUDGET


def test_the_default_setting_is_not_lowered():
    assert plan.affordable_samples(5, 500, 1000) == 1000
    assert plan.affordable_width(5, 500, ["normal"]) == 500


def test_weight_draws_count_a_redraw_when_weights_are_not_kept():
    kept = plan.weight_draws(5, 500, "normal")
    assert kept == 5 * 500**2 and 5 * 500**2 <= KEPT_WEIGHT_VALUES
    assert plan.weight_draws(100, 500, "normal") == 2 * 100 * 500**2
    assert plan.weight_draws(5, 500, "normal:0.5") == kept
    assert plan.weight_draws(5, 500, "orthogonal") > 5 * kept


@pytest.mark.parametrize("depth", [1, 25, 26, 50, 100])
@pytest.mark.parametrize("inits", [["normal"], ["orthogonal"], ["zeros", "normal:1", "orthogonal", "sparse"]])
def test_affordable_width_is_the_widest_that_fits(depth, inits):
    width = plan.affordable_width(depth, 1000, inits)
    draws = lambda w: sum(plan.weight_draws(depth, w, i) for i in inits)  # noqa: E731
    assert draws(width) <= plan.WEIGHT_BUDGET
    assert width == 1000 or draws(width + 1) > plan.WEIGHT_BUDGET


def test_the_largest_settings_are_within_the_page_ranges():
    for setting in plan.LARGEST_SETTINGS.values():
        assert plan.affordable_width(setting["depth"], setting["width"], ["normal"]) == setting["width"]
        assert setting["depth"] <= settings.DEPTH_RANGE[1] and setting["width"] <= settings.WIDTH_RANGE[1]
    assert plan.LARGEST_SETTINGS["deepest"]["depth"] == settings.DEPTH_RANGE[1]
    assert plan.LARGEST_SETTINGS["widest"]["width"] == settings.WIDTH_RANGE[1]
