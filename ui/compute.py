"""Every cached computation of the page, and the server-wide limit on heavy ones.

Cached functions take small hashable arguments (frozen settings, keys,
seeds) and return compact results: per-layer statistics and pre-binned
histograms, never raw activations.
"""

from __future__ import annotations

import inspect
import threading

import streamlit as st

from playground import compare, datasets, lessons, plan, propagation, symmetry, theory, training
from playground.settings import Network
from playground.simulation import SimulationResult, simulate


@st.cache_resource(max_entries=1)
def _slots() -> dict[str, threading.BoundedSemaphore]:
    """Computations allowed at once across all visitors, one heavy and one light, one a core: bounds the
    server's memory, and a light one (a lesson's network, a control of the default) never waits behind
    seconds of heavy work."""
    return {"heavy": threading.BoundedSemaphore(1), "light": threading.BoundedSemaphore(1)}


def compute_slots(seconds: float | None = None) -> threading.BoundedSemaphore:
    """The slot a computation of about ``seconds`` (``plan``'s estimate; None: unknown) waits for."""
    light = seconds is not None and seconds <= plan.LIGHT_SECONDS
    return _slots()["light" if light else "heavy"]


@st.cache_data(max_entries=64, show_spinner=False)
def run_simulation(network: Network) -> SimulationResult:
    with compute_slots(plan.simulation_seconds(network)):
        return simulate(**network.simulate_kwargs())


@st.cache_data(max_entries=64, show_spinner=False)
def predicted_layers(network: Network):
    """The mean-field and notes' predictions for ``network``, or the reason they do not apply."""
    try:
        return theory.prediction_table(**network.simulate_kwargs())
    except ValueError as error:
        return str(error)


@st.cache_data(max_entries=64, show_spinner=False)
def symmetry_training(activation: str, eps: float) -> symmetry.OverTraining:
    with compute_slots():
        return symmetry.symmetry_over_training(activation, eps)


@st.cache_data(max_entries=2, show_spinner=False)
def symmetry_zero_init():
    return symmetry.zero_init()


@st.cache_data(max_entries=16, show_spinner=False)
def run_comparison(network: Network, keys: tuple[str, ...]) -> compare.Comparison:
    with compute_slots(len(keys) * plan.simulation_seconds(network)):
        return compare.compare_initializers(network, keys)


class TrainingProgress:
    """A progress bar that exists only while a training runs: created at the first update, removed at close.

    Created inside the cached function, so that st.cache_data may replay it
    (an element created outside could not be updated from inside); a replay
    creates and removes it at once, so a cached result shows no bar.
    """

    def __init__(self, networks: int):
        self.networks = networks
        self.bar = None

    def __call__(self, step: int, total: int) -> None:
        text = f"Training {self.networks} networks: step {step} of {total}"
        if self.bar is None:
            self.bar = st.progress(0.0, text=text)
        self.bar.progress(min(1.0, step / max(total, 1)), text=text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.empty()


def _training_arguments(keys, kwargs: dict) -> tuple:
    """``training.train``'s arguments with every default filled in: one cache key per run, however it was asked."""
    bound = inspect.signature(training.train).bind(tuple(keys), **kwargs)
    bound.apply_defaults()
    bound.arguments.pop("progress", None)
    if not datasets.get(bound.arguments["dataset"]).sized:
        # The digits are all 1797 images whatever n_points asks: one key for every way of asking.
        bound.arguments["n_points"] = inspect.signature(training.train).parameters["n_points"].default
    return tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in bound.arguments.items()))


@st.cache_data(max_entries=16, show_spinner=False)
def _train(arguments: tuple, _progress: TrainingProgress | None = None) -> training.TrainingResult:
    try:
        with compute_slots(plan.training_seconds(dict(arguments))):
            return training.train(**dict(arguments), progress=_progress)
    finally:
        if _progress is not None:
            _progress.close()


def run_training(keys, *, progress: TrainingProgress | None = None, **kwargs) -> training.TrainingResult:
    """``training.train``, cached: the training panel and the training lessons share its runs."""
    return _train(_training_arguments(keys, kwargs), _progress=progress)


def training_key(keys, kwargs: dict) -> tuple:
    """What identifies a training run, however it was asked for (the cache key of ``run_training``)."""
    return _training_arguments(keys, kwargs)


# --- signal propagation --------------------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def phase_grid(activation: str, bias: float, q0: float):
    """The phase diagram's cells and its critical line, for one activation and bias constant."""
    grid = propagation.phase_diagram(activation, propagation.PAGE_SIGMA_W2, propagation.PAGE_SIGMA_B2, bias=bias, q0=q0)
    return grid, propagation.critical_line_in(grid, activation, bias=bias, q0=q0)


@st.cache_data(max_entries=64, show_spinner=False)
def phase_point(activation: str, sigma_w2: float, sigma_b2: float, bias: float, q0: float):
    return propagation.phase_point(activation, sigma_w2, sigma_b2, bias=bias, q0=q0)


@st.cache_data(max_entries=64, show_spinner=False)
def pair(network: Network, c0: float, q0: float):
    """Two inputs at correlation c0 through the sidebar's network: measured and predicted per layer."""
    with compute_slots(plan.pair_seconds(network)):
        return propagation.propagate_pair(
            network.activation, network.init, depth=network.depth, width=network.width, c0=c0, bias=network.bias,
            bias_std=network.bias_std, seed=network.seed, init_params=network.params, q0=q0,
        )


@st.cache_data(max_entries=32, show_spinner=False)
def spectra(activation: str, sigma_w2: float, sigma_b2: float, layers: tuple[int, ...], width: int, bias: float,
            seed: int, q0: float):
    """The Jacobian's singular values, Gaussian against orthogonal weights: their histogram, summary and theory."""
    with compute_slots(plan.spectra_seconds(len(layers), max(layers), width)):
        spectrum = propagation.spectrum_comparison(activation, sigma_w2, sigma_b2, layers=layers, width=width,
                                                   bias=bias, seed=seed, q0=q0)
    theory = propagation.jacobian_theory(activation, sigma_w2, sigma_b2, depth=max(layers), q0=q0, bias=bias)
    return propagation.singular_value_histogram(spectrum), propagation.spectrum_summary(spectrum), theory


@st.cache_data(max_entries=32, show_spinner=False)
def lesson_finding(key: str):
    """The open lesson's finding, measured once per lesson (its networks are the lesson's own).

    Its simulations and trainings go through the page's own caches, so the
    section below shows the same runs without computing them again.
    """
    lesson = lessons.LESSONS[key]
    return lesson.measure(run_training if lesson.trains else run_simulation)
