"""The symmetry section's sentences, against notes 001's worked example and the training runs."""

import numpy as np

from playground import symmetry
from playground.explain import symmetry as explain
from playground.explain.message import number


def test_the_worked_example_says_what_the_columns_are():
    notes = symmetry.worked_example((3, 1, 2))
    equal = symmetry.worked_example((2, 2, 2))
    assert explain.columns_sentence("dW¹", notes["dW1"]) == (
        "dW¹: no two columns are equal; they are proportional to 3 : 1 : 2.")
    assert explain.columns_sentence("dW¹", equal["dW1"]) == "dW¹: column 1 = column 2 = column 3 (highlighted)."
    said = explain.dw1_columns(notes).text
    assert "The notes' 35 is A¹ᵀdZ² before the 1/m: dW² = 35/3." in said


def test_one_step_keeps_equal_units_equal_and_breaks_the_notes_case():
    kept = explain.after_one_step(symmetry.worked_example((2, 2, 2)))
    broken = explain.after_one_step(symmetry.worked_example((3, 1, 2)))
    assert kept.tone == "success" and "stay identical after every later one" in kept.text
    assert broken.tone == "info" and broken.text.startswith("W² = [3, 1, 2]: dW¹'s columns are not duplicates")
    assert explain.after_one_step(symmetry.worked_example((1, 5, 2))).text.startswith("W² = [1, 5, 2]")
    product = symmetry.notes_version()["dW1_product"]
    assert f"the rows {product[0, 0]} and {product[1, 0]}" in explain.notes_product(symmetry.notes_version()).text


def test_training_from_a_constant_start_stays_exactly_equal():
    run = symmetry.symmetry_over_training("tanh", 1e-8, steps=200)
    said = explain.constant_start(run)
    assert run.final_spread["constant"] == 0.0
    assert said.tone == "success" and said.text.startswith("Constant start: after 200 steps the spread is exactly 0.0")
    assert "2 → 4 → 1 network with tanh hidden units" in explain.setup(run).text


def test_the_perturbation_is_described_by_when_it_matters():
    zero = explain.perturbed_start(symmetry.symmetry_over_training("tanh", 0.0, steps=100))
    assert zero.tone == "warning" and "the perturbed start is the constant start, bit for bit" in zero.text
    run = symmetry.symmetry_over_training("tanh", 1e-8)
    grows = explain.perturbed_start(run)
    assert run.eps_matters_at is not None and run.eps_matters_at > 0
    assert f"grows to 1% of the random start's at step {run.eps_matters_at}" in grows.text
    assert f"starts at {number(run.start_spread['perturbed'])}" in grows.text
    big = explain.perturbed_start(symmetry.symmetry_over_training("tanh", 0.1, steps=50))
    assert big.text.startswith("ε = 0.1 is not small")


def test_float64_resolution_is_quoted_where_nudges_round_away():
    run = symmetry.symmetry_over_training("tanh", 1e-16, steps=10)
    said = explain.resolution(run)
    assert run.perturbed_weights < run.weights
    assert f"{run.perturbed_weights} of the {run.weights} perturbed weights differ from 0.5" in said.text
    assert number(float(np.spacing(0.5))) in said.text
    assert explain.resolution(symmetry.symmetry_over_training("tanh", 1e-3, steps=10)) is None


def test_zero_init_lists_which_activations_learned_nothing():
    said = explain.zero_init_outcome(symmetry.zero_init(steps=50))
    assert said.text == (
        "After training from zero: hidden weights unchanged, exactly 0.0: tanh, relu; hidden weights moved, "
        "every unit identically (spread exactly 0.0): sigmoid."
    )
