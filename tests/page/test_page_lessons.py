"""Every lesson renders on the page with its live caption, and the stepper walks through them."""

from functools import lru_cache

import pytest

from playground.lessons import LESSON_ORDER, LESSONS
from playground.settings import Network
from playground.simulation import simulate


@lru_cache(maxsize=None)
def run(network: Network):
    return simulate(**network.simulate_kwargs())


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_lesson_renders(page, key):
    at = page({"lesson": key})
    assert not at.exception
    assert at.selectbox(key="lesson").value == key
    caption = " ".join(i.value for i in at.info)
    assert LESSONS[key].title in caption
    assert LESSONS[key].measure(run).text in caption
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
