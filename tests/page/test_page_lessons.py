"""Every lesson renders on the page with its live caption, and the stepper walks through them."""

import pytest
from conftest import measured

from playground.lessons import LESSON_ORDER, LESSONS


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_lesson_renders(page, key):
    at = page({"lesson": key})
    assert not at.exception
    assert at.selectbox(key="lesson").value == key
    caption = " ".join(i.value for i in at.info)
    assert LESSONS[key].title in caption
    assert measured(key).text in caption
    assert at.query_params["lesson"] == key


def test_next_and_previous_step_through_the_lessons(page):
    at = page({"lesson": LESSON_ORDER[0]})
    next_button = next(b for b in at.button if "Next" in b.label)
    next_button.click().run()
    assert at.selectbox(key="lesson").value == LESSON_ORDER[1]
    previous = next(b for b in at.button if "Previous" in b.label)
    previous.click().run()
    assert at.selectbox(key="lesson").value == LESSON_ORDER[0]


def test_changing_a_control_shows_the_users_own_setting(page):
    at = page({"lesson": "small-weights"})
    at.slider(key="depth").set_value(7).run()
    assert not at.exception
    assert at.selectbox(key="lesson").value == ""
    assert "lesson" not in at.query_params and at.query_params["depth"] == "7"
    assert not any("Small weights vanish" in i.value for i in at.info)


@pytest.mark.parametrize("key", ["he-2015", "glorot-2010", "saxe-2013"])
def test_a_training_lesson_and_the_panel_below_it_share_one_run(key):
    from playground import plan
    from playground.explain import training as training_lessons
    from ui import compute
    from ui.sections.compare import training_arguments

    settings, _ = training_lessons.TRAINING_LESSONS[key]
    state = LESSONS[key].state
    fit = plan.training(state.training.compare, state.training)
    assert fit.lowered == ()  # the budget leaves the lesson's run as it is
    panel = compute._training_arguments(state.training.compare, training_arguments(state.network, state.training, fit))
    lesson = compute._training_arguments(settings.keys, settings.train_kwargs())
    assert panel == lesson
