"""Every lesson renders, and its caption's claim holds in its own numbers."""

from functools import lru_cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground import budget, links
from playground.lessons import LESSON_ORDER, LESSONS, neighbours
from playground.settings import Network
from playground.simulation import simulate

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@lru_cache(maxsize=None)
def run(network: Network):
    return simulate(**network.simulate_kwargs())


def std(network: Network):
    s = run(network).layers["std"]
    return s.iloc[0], s.iloc[-1]


def test_nine_lessons_in_order():
    assert len(LESSON_ORDER) == 9
    assert [LESSONS[k].title[:2] for k in LESSON_ORDER] == [f"{i}." for i in range(1, 10)]
    assert neighbours(LESSON_ORDER[0]) == (None, LESSON_ORDER[1])
    assert neighbours(LESSON_ORDER[-1]) == (LESSON_ORDER[-2], None)


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_claim_holds_in_its_own_numbers(key):
    finding = LESSONS[key].measure(run)
    assert finding.holds, finding.text


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_lesson_has_a_stable_link(key):
    state = LESSONS[key].state
    parsed, notes = links.parse_query(links.to_query(state), lessons=LESSONS)
    assert notes == [] and parsed == state
    net = state.network
    assert budget.affordable_samples(net.depth, net.width, net.samples, batch_norm=net.batch_norm) == net.samples


def test_small_weights_lesson():
    first, last = std(LESSONS["small-weights"].state.network)
    assert last < 1e-5 * first
    assert f"{first:.3g}" in LESSONS["small-weights"].measure(run).text


def test_he_lesson():
    net = LESSONS["he"].state.network
    he_first, he_last = std(net)
    lecun_first, lecun_last = std(net.with_init("lecun_normal"))
    assert 0.5 < he_last / he_first < 2
    assert lecun_last / lecun_first < 0.5
    assert f"{lecun_last:.3f}" in LESSONS["he"].measure(run).text


def test_batch_norm_lesson():
    net = LESSONS["batch-norm"].state.network
    assert net.batch_norm and run(net).layers["std"].min() > 0.5
    assert std(net.__class__(**{**net.__dict__, "batch_norm": False}))[1] < 1e-5


def test_a_changed_claim_would_fail():
    # The measure reads the numbers: a runner that returns other numbers breaks the claim.
    other = lambda network: run(network.with_init("lecun_normal"))  # noqa: E731
    assert not LESSONS["small-weights"].measure(other).holds


def page(query):
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_lesson_renders(key):
    at = page({"lesson": key})
    assert not at.exception
    assert at.selectbox(key="lesson").value == key
    caption = " ".join(i.value for i in at.info)
    assert LESSONS[key].title in caption
    assert LESSONS[key].measure(run).text in caption
    assert at.query_params["lesson"] == key


def test_next_and_previous_step_through_the_lessons():
    at = page({"lesson": LESSON_ORDER[0]})
    next_button = next(b for b in at.button if "Next" in b.label)
    next_button.click().run()
    assert at.selectbox(key="lesson").value == LESSON_ORDER[1]
    previous = next(b for b in at.button if "Previous" in b.label)
    previous.click().run()
    assert at.selectbox(key="lesson").value == LESSON_ORDER[0]


def test_changing_a_control_shows_the_users_own_setting():
    at = page({"lesson": "small-weights"})
    at.slider(key="depth").set_value(7).run()
    assert not at.exception
    assert at.selectbox(key="lesson").value == ""
    assert "lesson" not in at.query_params and at.query_params["depth"] == "7"
    assert not any("Small weights vanish" in i.value for i in at.info)
