"""The training part's sentences and the three training lessons, each claim measured and able to fail."""

import math
import time
from dataclasses import replace

import pytest

from playground import lessons, training, training_budget
from playground.explain import Message, number, percent
from playground.explain import training as explain
from playground.init_keys import key_label
from playground.training import train

LN10 = math.log(10.0)


@pytest.fixture(scope="module")
def circles():
    """Today's page default, where std 1 reaches 100% in training."""
    keys = ("zeros", "normal:0.01", "normal:1", "lecun_normal", "he_normal")
    return train(keys, dataset="circles", activation="tanh", depth=5, width=32, optimizer="gd", lr=0.1, steps=300)


@pytest.fixture(scope="module")
def diverging():
    return train(("normal:1", "he_normal"), activation="relu", depth=10, optimizer="gd", lr=0.1, steps=30)


# --- the sentences ---------------------------------------------------------------------------


def test_the_setup_caption_says_what_was_trained_in_the_pages_numbers(circles):
    caption = explain.setup_caption(circles)
    assert isinstance(caption, Message) and caption.tone == "caption"
    for text in ("224 training points", "76 held out", "2 inputs", "5 tanh layers of 32 units", "1 sigmoid output",
                 "gradient descent with learning rate 0.1", "300 full-batch steps", "seed 0"):
        assert text in caption.text, text
    digits = train(("he_normal",), dataset="digits", activation="relu", depth=2, width=16, optimizer="sgd",
                   lr=0.05, steps=5, bias=0.01, seed=3)
    text = explain.setup_caption(digits).text
    for part in ("1347 training points", "450 held out", "per pixel", "64 inputs", "10 softmax outputs",
                 "5 steps of 64 points", "biases start at 0.01", "seed 3"):
        assert part in text, part


def test_a_lowered_budget_is_explained_and_an_unlowered_one_is_silent():
    fit = training_budget.fit_training(2, dataset="digits", depth=30, width=64, steps=800, optimizer="sgd")
    assert explain.lowered_note(fit, 2) is None
    heavy = training_budget.fit_training(8, dataset="digits", depth=60, width=128, steps=2000, optimizer="sgd")
    note = explain.lowered_note(heavy, 8)
    assert note.tone == "info"
    assert "depth 50 instead of 60 (the trainer's largest depth)" in note.text
    assert f"width {heavy.width} instead of 128" in note.text
    assert f"about {number(heavy.asked_seconds, 2)} s" in note.text and number(heavy.budget_seconds, 2) in note.text


def test_each_diverged_network_gets_one_warning(diverging):
    warnings = explain.diverged_warnings(diverging)
    step = diverging.diverged()["normal:1"]
    assert [w.tone for w in warnings] == ["warning"]
    assert warnings[0].text.startswith(f"normal, std 1: diverged at step {step}:")


def test_the_std_1_sentence_gives_its_held_out_numbers_against_he(circles):
    message = explain.held_out_sentence(circles)
    rows = circles.summary.set_index("init")
    std1, he = rows.loc["normal:1"], rows.loc["he_normal"]
    for value in (percent(std1["accuracy"]), percent(std1["test_accuracy"]), number(std1["test_loss"]),
                  percent(std1["roughness"]), percent(std1["start_roughness"]), percent(he["test_accuracy"])):
        assert value in message.text
    # On this default the map of std 1 is already rough before training (measured), and the sentence says so.
    assert std1["start_roughness"] > 2 * he["start_roughness"]
    assert "before any training" in message.text
    assert std1["accuracy"] - std1["test_accuracy"] > he["accuracy"] - he["test_accuracy"]


def test_the_std_1_sentence_says_when_it_diverged_or_is_absent(diverging, circles):
    assert "diverged at step" in explain.held_out_sentence(diverging).text
    assert explain.held_out_sentence(circles, key="orthogonal") is None


def test_the_summary_table_writes_every_number_in_the_pages_format(diverging):
    table = explain.summary_table(diverging)
    rows = diverging.summary.set_index("init")
    assert list(table.columns) == explain.SUMMARY_TABLE_COLUMNS
    he = table.set_index("label").loc[key_label("he_normal")]
    assert he["accuracy"] == percent(rows.loc["he_normal", "accuracy"]) and he["diverged"] == "no"
    assert table.set_index("label").loc[key_label("normal:1"), "diverged"] == (
        f"at step {diverging.diverged()['normal:1']}")
    assert explain.training_failed(ValueError("depth must be")).tone == "error"


def test_what_to_look_for_quotes_this_runs_numbers(circles):
    text = explain.what_to_look_for(circles)
    assert text.tone == "markdown" and text.text.startswith("- **zeros**")
    rows = circles.summary.set_index("init")
    assert number(rows.loc["zeros", "loss"]) in text.text and "ln 2" in text.text
    assert number(math.sqrt(32) * 0.01, 2) in text.text
    assert f"{key_label('he_normal')} {number(rows.loc['he_normal', 'loss'])}" in text.text


# --- the lessons ----------------------------------------------------------------------------------


def test_the_he_2015_lesson_holds_and_reports_its_numbers():
    start = time.perf_counter()
    finding = explain.he_2015()
    seconds = time.perf_counter() - start
    assert isinstance(finding, lessons.Finding) and finding.holds, finding.text
    assert "ln 10 ≈ 2.303" in finding.text and "30 ReLU layers of 64 units" in finding.text
    print(f"He 2015 lesson: {seconds:.1f} s")


def test_the_glorot_2010_lesson_holds():
    finding = explain.glorot_2010()
    assert finding.holds, finding.text
    assert "From the standard U(±1/√n) with n = 64" in finding.text


def test_the_saxe_2013_lesson_holds():
    finding = explain.saxe_2013()
    assert finding.holds, finding.text
    assert "depths 5, 20, 50" in finding.text


def test_a_lesson_fails_where_its_claim_does():
    """Through 2 layers instead of 30 LeCun learns too: the He lesson must say it does not hold."""
    shallow = replace(explain.HE_2015, depth=2, steps=200)
    finding = explain.he_2015(settings=shallow)
    assert not finding.holds and "does not hold" in finding.text
    # Saxe: with Gaussian weights as shallow as orthogonal ones at every depth, there is no slowing down.
    flat = explain.saxe_2013(settings=replace(explain.SAXE_2013, steps=150), depths=(5, 6))
    assert not flat.holds


def test_the_lessons_train_through_the_trainer_they_are_given():
    calls = []

    def trainer(keys, **kwargs):
        calls.append((tuple(keys), kwargs))
        return train(keys, **kwargs)

    explain.glorot_2010(trainer, settings=replace(explain.GLOROT_2010, steps=100))
    assert calls == [(explain.GLOROT_2010.keys, replace(explain.GLOROT_2010, steps=100).train_kwargs())]
    assert set(calls[0][1]) == {"dataset", "activation", "depth", "width", "optimizer", "lr", "steps",
                                "batch_size", "seed"}


def test_every_lesson_setting_is_one_the_page_can_offer():
    for settings, measure in explain.TRAINING_LESSONS.values():
        assert callable(measure)
        assert settings.depth <= training.MAX_DEPTH and settings.width <= training.MAX_WIDTH
        assert settings.steps <= training.MAX_STEPS and 1e-4 <= settings.lr <= 1.0
        assert settings.as_dict()["keys"] == settings.keys
