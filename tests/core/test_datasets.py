"""The data: the 2-D toy sets, the shipped handwritten digits, the stratified split and the standardization."""

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from playground import datasets, links

# The UCI "optdigits" test set's class counts, from its own description (optdigits.names).
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
PLANAR = [name for name, spec in datasets.DATASETS.items() if spec.planar]
README = Path(datasets.DIGITS_FILE).parent / "README.md"


# --- the 2-D sets ----------------------------------------------------------------------


@pytest.mark.parametrize("name", PLANAR)
def test_planar_sets_are_balanced_standardized_and_seeded(name):
    x, y = datasets.make_dataset(name, 301, 7)
    assert x.shape == (301, 2) and y.shape == (301,)
    assert set(np.unique(y)) == {0.0, 1.0} and abs(y.sum() - 150) <= 1
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)
    again, _ = datasets.make_dataset(name, 301, np.random.default_rng(7))
    np.testing.assert_array_equal(x, again)
    other, _ = datasets.make_dataset(name, 301, 8)
    assert not np.array_equal(x, other)


def test_a_link_can_ask_for_every_dataset_and_no_other():
    for key in datasets.DATASETS:
        state, notes = links.parse_query({"dataset": key})
        assert notes == [] and state.training.dataset == key
    _, notes = links.parse_query({"dataset": "mnist"})
    assert len(notes) == 1 and notes[0].startswith("dataset=")


def test_circles_put_class_1_inside_and_xor_labels_agreeing_signs():
    x, y = datasets.circles(400, np.random.default_rng(0), noise=0.0)
    radius = np.hypot(*x.T)
    np.testing.assert_allclose(radius, np.where(y == 1, 0.5, 1.0), rtol=1e-12)
    x, y = datasets.make_dataset("circles", 400, 0)
    radius = np.hypot(*(x - x.mean(axis=0)).T)
    assert np.median(radius[y == 1]) < 0.6 * np.median(radius[y == 0])
    x, y = datasets.make_dataset("xor", 400, 0, noise=0.0)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) == np.sign(x[:, 1])).astype(float))


def test_unknown_dataset_is_a_value_error():
    with pytest.raises(ValueError, match="allowed: circles"):
        datasets.make_dataset("spiral")
    with pytest.raises(ValueError, match="n must be"):
        datasets.make_dataset("circles", 1)


# --- the digits ----------------------------------------------------------------------------


def test_the_digits_load_offline_with_their_shape_range_and_class_counts():
    images, labels = datasets.load_digits()
    assert images.shape == (1797, 64) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and np.array_equal(images, np.round(images))
    assert np.bincount(labels).tolist() == DIGIT_COUNTS
    # The shared copy cannot be changed by one caller for the others.
    with pytest.raises(ValueError):
        images[0, 0] = 5.0
    # Image 0 of the set is a 0 (the first line of optdigits.tes).
    assert labels[0] == 0 and images[0].reshape(8, 8)[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_the_digits_file_is_the_one_its_readme_describes():
    digest = hashlib.sha256(Path(datasets.DIGITS_FILE).read_bytes()).hexdigest()
    stated = re.search(r"SHA-256\*\*: `([0-9a-f]{64})`", README.read_text()).group(1)
    assert digest == stated
    assert "CC BY 4.0" in README.read_text()
    with gzip.open(datasets.DIGITS_FILE, "rt") as lines:
        assert sum(1 for _ in lines) == 1797


def test_the_digits_ignore_the_point_count_and_standardize_every_pixel_that_varies():
    x, y = datasets.make_dataset("digits", 10, 3)
    assert x.shape == (1797, 64) and np.bincount(y.astype(int)).tolist() == DIGIT_COUNTS
    raw, _ = datasets.load_digits()
    varying = raw.std(axis=0) > 0
    assert 0 < (~varying).sum() < 64  # some corner pixels are 0 in every image
    np.testing.assert_allclose(x[:, varying].std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    assert np.isfinite(x).all() and not x[:, ~varying].any()


# --- the split and the scaling -------------------------------------------------------------


def test_the_stratified_split_keeps_every_class_share_and_covers_each_point_once():
    labels = datasets.load_digits()[1]
    train, test = datasets.stratified_split(labels, 0.25, 0)
    assert np.intersect1d(train, test).size == 0 and np.union1d(train, test).tolist() == list(range(1797))
    held = np.bincount(labels[test], minlength=10)
    assert held.tolist() == [int(round(0.25 * n)) for n in DIGIT_COUNTS]
    # Each class's share of the held-out points is its share of the data, within one point.
    assert np.abs(held - 0.25 * np.array(DIGIT_COUNTS)).max() <= 0.5
    assert abs(test.size / 1797 - 0.25) < 0.01


def test_the_split_is_seeded():
    labels = datasets.load_digits()[1]
    first = datasets.stratified_split(labels, 0.25, np.random.default_rng(4))[1]
    assert np.array_equal(first, datasets.stratified_split(labels, 0.25, 4)[1])
    assert not np.array_equal(first, datasets.stratified_split(labels, 0.25, 5)[1])


def test_small_classes_keep_a_point_on_each_side():
    train, test = datasets.stratified_split(np.array([0, 0, 1, 1, 1]), 0.1, 0)
    assert sorted(np.array([0, 0, 1, 1, 1])[test].tolist()) == [0, 1] and train.size == 3


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, 2, True])
def test_a_test_fraction_outside_zero_and_one_is_a_value_error(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.stratified_split(np.arange(10) % 2, fraction, 0)


@pytest.mark.parametrize("name", ["digits", "moons"])
def test_inputs_are_standardized_with_the_training_points_only(name):
    split = datasets.split_dataset(name, 300, rng=np.random.default_rng(2))
    raw, labels = datasets.raw_dataset(name, 300, np.random.default_rng(2))
    spread = raw[split.train_index].std(axis=0)
    varying = spread > 0
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.x_train[:, varying].std(axis=0), 1.0, rtol=1e-12)
    # The held-out points went through the training points' mean and scale, not their own.
    mean = raw[split.train_index].mean(axis=0)
    scale = np.where(varying, spread, 1.0)
    np.testing.assert_allclose(split.x_test, (raw[split.test_index] - mean) / scale, rtol=1e-12, atol=1e-12)
    assert np.array_equal(split.y_test, labels[split.test_index].astype(int))
    assert split.classes == datasets.get(name).classes
