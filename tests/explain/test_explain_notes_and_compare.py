"""The notes above the sections and the comparison's sentences, against plans and simulations made here."""

from dataclasses import replace

from playground import compare, lessons, plan
from playground.diagnosis import diagnose
from playground.explain import compare as explain_compare
from playground.explain import notes
from playground.explain.activations import verdict
from playground.explain.message import number
from playground.settings import Network
from playground.simulation import Limits, simulate


def test_the_header_says_what_the_budget_lowered_in_order():
    asked = Network(depth=100, width=1000, samples=5000).with_init("he_normal")
    lowered = plan.fit_width(asked.depth, asked.width, asked.init)
    network = replace(asked, width=lowered.used)
    page = plan.for_view(network, "activations", width_lowered=lowered)
    result = simulate("relu", "he_normal", depth=2, width=5, n_samples=10)  # any result: the notes need one
    said = notes.header(page, result, ["depth=“x” was ignored"], None)
    assert [m.tone for m in said] == ["warning", "info", "info"]
    assert said[1].text.startswith(f"Width lowered from 1000 to {lowered.used}: 100 layers of 1000 units")
    samples = page.lowered_by("samples")
    assert samples.used == plan.affordable_samples(100, lowered.used, 5000)
    assert said[2].text.startswith(f"Using {samples.used} samples instead of 5000")
    # Without the sidebar's run (another section), the samples are not the page's concern.
    assert len(notes.header(page, None, [], None)) == 1


def test_the_lesson_note_carries_its_live_finding():
    lesson = lessons.LESSONS["small-weights"]
    finding = lesson.measure(lambda net: simulate(**net.simulate_kwargs()))
    said = notes.lesson(lesson, finding)
    assert said.text == f"**{lesson.title}.** {lesson.takeaway}\n\n{finding.text}"


def test_limits_become_notes_with_the_run_named():
    said = notes.simulation_notes(Limits(overflow_layer=7, underflow_layer=3, dtype="float32"), prefix="He normal: ")
    assert [m.text for m in said] == [
        "He normal: Values overflowed float32 at layer 7: deeper layers and all gradients are not computed.",
        "He normal: Activations fell below 1e-15 at layer 3 and were set to 0 (smaller float32 values would slow "
        "every product down: see the README's speed notes).",
    ]
    assert "below 1e-250" in notes.simulation_notes(Limits(underflow_layer=3, dtype="float64"))[0].text


def test_the_comparison_summary_gives_each_initializers_own_verdict():
    network = Network(depth=4, width=80, samples=100)
    keys = ("zeros", "normal:0.01", "lecun_normal")
    comparison = compare.compare_initializers(network, keys)
    table = explain_compare.summary_table(comparison, "tanh")
    for key, row in zip(keys, table.itertuples()):
        result = simulate(**compare.network_for(network, key).simulate_kwargs())
        assert row.verdict == verdict(diagnose(result.layers), "tanh").text
        assert row.last_std == number(result.layers["std"].iloc[-1])
    assert table["verdict"].iloc[0].startswith("no signal")


def test_the_comparison_says_what_its_share_of_the_budget_lowered():
    network = Network(depth=100, width=1000)
    planned = plan.comparison(network, ("he_normal", "lecun_normal", "orthogonal"))
    said = explain_compare.lowered(network, planned)
    width, samples = (next(low for low in planned.lowered if low.what == w) for w in ("width", "samples"))
    assert said[0].text.startswith(f"The comparison uses {width.used} units per layer instead of the sidebar's 1000")
    assert said[1].text.startswith(f"Each of the 3 simulations uses {samples.used} samples instead of the sidebar's")
    assert explain_compare.setup(network, planned).text.startswith(
        f"The sidebar's network (tanh, 100 layers of {width.used} units"
    )
