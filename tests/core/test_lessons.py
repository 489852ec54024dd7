"""Every lesson's claim holds in its own numbers, and its link is stable."""

import pytest
from conftest import measured, simulated

from playground import links, plan
from playground.explain.message import number
from playground.lessons import LESSON_ORDER, LESSONS, neighbours
from playground.settings import Network


def std(network: Network):
    s = simulated(network).layers["std"]
    return s.iloc[0], s.iloc[-1]


def test_the_lessons_are_numbered_in_teaching_order():
    assert len(LESSON_ORDER) >= 11
    assert [LESSONS[k].title.split(".")[0] for k in LESSON_ORDER] == [str(i) for i in range(1, len(LESSON_ORDER) + 1)]
    assert {"edge-of-chaos", "dynamical-isometry"} <= set(LESSON_ORDER)
    assert neighbours(LESSON_ORDER[0]) == (None, LESSON_ORDER[1])
    assert neighbours(LESSON_ORDER[-1]) == (LESSON_ORDER[-2], None)


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_claim_holds_in_its_own_numbers(key):
    finding = measured(key)
    assert finding.holds, finding.text


@pytest.mark.parametrize("key", LESSON_ORDER)
def test_every_lesson_has_a_stable_link(key):
    state = LESSONS[key].state
    parsed, notes = links.parse_query(links.to_query(state), lessons=LESSONS)
    assert notes == [] and parsed == state
    net = state.network
    assert plan.affordable_samples(net.depth, net.width, net.samples, batch_norm=net.batch_norm) == net.samples


def test_small_weights_lesson():
    first, last = std(LESSONS["small-weights"].state.network)
    assert last < 1e-5 * first
    assert number(first) in LESSONS["small-weights"].measure(simulated).text


def test_he_lesson():
    net = LESSONS["he"].state.network
    he_first, he_last = std(net)
    lecun_first, lecun_last = std(net.with_init("lecun_normal"))
    assert 0.5 < he_last / he_first < 2
    assert lecun_last / lecun_first < 0.5
    assert number(lecun_last) in LESSONS["he"].measure(simulated).text


def test_batch_norm_lesson():
    net = LESSONS["batch-norm"].state.network
    assert net.batch_norm and simulated(net).layers["std"].min() > 0.5
    assert std(net.__class__(**{**net.__dict__, "batch_norm": False}))[1] < 1e-5


def test_a_changed_claim_would_fail():
    # The measure reads the numbers: a runner that returns other numbers breaks the claim.
    other = lambda network: simulated(network.with_init("lecun_normal"))  # noqa: E731
    assert not LESSONS["small-weights"].measure(other).holds


def test_the_propagation_lessons_sit_where_their_findings_measure():
    from playground import propagation, theory
    from playground.explain import propagation as measured

    edge = LESSONS["edge-of-chaos"].state.network
    critical = propagation.critical_sigma_w2(measured.EDGE_ACTIVATION, measured.EDGE_SIGMA_B2)
    assert theory.weight_gain(edge.init, edge.width, edge.params) == pytest.approx(critical, rel=0.002)
    assert edge.bias_std**2 == pytest.approx(measured.EDGE_SIGMA_B2, rel=0.001)
    assert (edge.depth, edge.width) == (measured.EDGE_DEPTH, measured.EDGE_WIDTH)
    isometry = LESSONS["dynamical-isometry"].state.network
    assert isometry.init == "orthogonal" and isometry.width == measured.ISOMETRY_WIDTH
    assert isometry.bias_std**2 == pytest.approx(measured.ISOMETRY_SIGMA_B2, rel=0.001)
    on_line = propagation.critical_sigma_w2("tanh", measured.ISOMETRY_SIGMA_B2)
    assert theory.weight_gain(isometry.init, isometry.width, isometry.params) == pytest.approx(on_line, rel=0.002)
