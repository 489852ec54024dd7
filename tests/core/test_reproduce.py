"""The take-home code: the numpy script reruns the page's experiment, and the framework calls draw our weights.

The script draws from numpy's global generator, the page from its own seeded
streams, so the two agree in distribution, not digit for digit. Each case
below carries the relative spread of its per-layer std over seeds, measured
once over 30 seeds of both ``simulate`` and the script at the sizes below
(the larger of the two, rounded up); a case passes when the script's mean
over SEEDS seeds is within Z_SCORE standard errors of the page's.
"""

import ast
import contextlib
import inspect
import io
import math
import re
import subprocess
import sys
import types
from dataclasses import replace

import numpy as np
import pytest

from playground.activations import ACTIVATIONS
from playground.initializers import INITIALIZERS, init_weights, weight_mean, weight_variance
from playground.reproduce import framework_code, keras_code, numpy_script, torch_code
from playground.settings import Network
from playground.simulation import simulate

WIDTH, SAMPLES, DEPTH = 250, 250, 3
SEEDS = range(4)
# The difference of two means of len(SEEDS) runs has a standard error of rsd * sqrt(2 / len(SEEDS)).
Z_SCORE = 5.0
LAYER_LINE = re.compile(r"^layer (\d+): mean (\S+), std (\S+)$", re.M)

# name -> (Network fields, with "init" and its "params"; relative spread of each layer's std over seeds)
RELU_NORMAL, RELU_UNIFORM = (0.006, 0.03, 0.06), (0.005, 0.028, 0.049)
CASES = {
    "linear-lecun_normal": (dict(activation="linear", init="lecun_normal"), (0.0045, 0.007, 0.0095)),
    "sigmoid-xavier_normal": (dict(activation="sigmoid", init="xavier_normal"), (0.0035, 0.034, 0.048)),
    "tanh-xavier_uniform": (dict(activation="tanh", init="xavier_uniform"), (0.0025, 0.0036, 0.0055)),
    "relu-he_normal": (dict(activation="relu", init="he_normal"), RELU_NORMAL),
    "leaky_relu-he_uniform": (dict(activation="leaky_relu", init="he_uniform"), (0.005, 0.028, 0.048)),
    "selu-lecun_normal": (dict(activation="selu", init="lecun_normal"), (0.0036, 0.0046, 0.006)),
    "relu-zeros": (dict(activation="relu", init="zeros"), (0.0, 0.0, 0.0)),
    "relu-constant": (dict(activation="relu", init="constant"), (0.064, 0.064, 0.064)),
    "relu-normal": (dict(activation="relu", init="normal"), RELU_NORMAL),
    "relu-uniform": (dict(activation="relu", init="uniform"), RELU_UNIFORM),
    "relu-lecun_normal": (dict(activation="relu", init="lecun_normal"), RELU_NORMAL),
    "relu-xavier_normal": (dict(activation="relu", init="xavier_normal"), RELU_NORMAL),
    "relu-xavier_uniform": (dict(activation="relu", init="xavier_uniform"), RELU_UNIFORM),
    "relu-he_uniform": (dict(activation="relu", init="he_uniform"), RELU_UNIFORM),
    "relu-orthogonal": (dict(activation="relu", init="orthogonal"), (0.0045, 0.023, 0.043)),
    "relu-sparse": (dict(activation="relu", init="sparse"), (0.019, 0.046, 0.097)),
    "tanh-normal-std-1": (dict(activation="tanh", init="normal", params={"std": 1.0}), (0.0004, 0.0004, 0.0004)),
    "tanh-constant": (dict(activation="tanh", init="constant", params={"value": 0.01}), (0.04, 0.033, 0.023)),
    "tanh-uniform": (dict(activation="tanh", init="uniform", params={"limit": 0.2}), (0.0017, 0.0022, 0.0024)),
    "tanh-orthogonal-gain": (dict(activation="tanh", init="orthogonal", params={"gain": 1.5}), (0.0013,) * 3),
    "linear-sparse-3": (dict(activation="linear", init="sparse", params={"nonzero": 3}), (0.028, 0.047, 0.073)),
    "tanh-bias": (dict(activation="tanh", init="lecun_normal", bias=0.5), (0.003, 0.012, 0.026)),
    "relu-bias": (dict(activation="relu", init="he_normal", bias=0.1), (0.0055, 0.03, 0.059)),
    "tanh-raw-inputs": (dict(activation="tanh", init="lecun_normal", normalize_inputs=False), (0.0015, 0.014, 0.018)),
    "relu-raw-inputs": (dict(activation="relu", init="he_normal", normalize_inputs=False), (0.054, 0.087, 0.12)),
    "relu-batch-norm": (dict(activation="relu", init="normal", params={"std": 1.0}, batch_norm=True), (0.0025,) * 3),
    "sigmoid-batch-norm-raw-bias": (
        dict(activation="sigmoid", init="uniform", params={"limit": 0.5}, batch_norm=True, bias=0.3,
             normalize_inputs=False),
        (0.0008,) * 3,
    ),
    "selu-batch-norm": (dict(activation="selu", init="xavier_normal", batch_norm=True), (0.001,) * 3),
}


def network(**fields_) -> Network:
    """A small Network of the test's size; ``init`` and ``params`` set the initializer."""
    init, params = fields_.pop("init"), fields_.pop("params", {})
    base = dict(depth=DEPTH, width=WIDTH, samples=SAMPLES)
    return Network(**(base | fields_)).with_init(init, **params)


def script_stds(script: str) -> np.ndarray:
    """Each layer's std as the script prints it, the script run in a fresh namespace."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "<reproduce>", "exec"), {"__name__": "__main__"})
    return np.array([float(match[3]) for match in LAYER_LINE.finditer(out.getvalue())])


def page_stds(net: Network) -> np.ndarray:
    return simulate(**net.simulate_kwargs()).layers["std"].to_numpy()


def mean_over_seeds(run, net: Network) -> np.ndarray:
    return np.mean([run(replace(net, seed=seed)) for seed in SEEDS], axis=0)


def disagreeing_layers(net: Network, rsd, make_script=numpy_script) -> list[int]:
    """The layers whose std, averaged over SEEDS, differs between script and page beyond sampling noise."""
    page = mean_over_seeds(page_stds, net)
    script = mean_over_seeds(lambda n: script_stds(make_script(n)), net)
    assert len(script) == len(page) == net.depth
    tolerance = Z_SCORE * np.asarray(rsd) * math.sqrt(2 / len(SEEDS))
    with np.errstate(divide="ignore", invalid="ignore"):
        close = np.isclose(script, page, rtol=0, atol=1e-12) | (np.abs(script / page - 1) <= tolerance)
    return [layer for layer, ok in enumerate(close, start=1) if not ok]


# --- the numpy script reproduces the page ----------------------------------------


def test_cases_cover_every_activation_and_initializer():
    covered = [case for case, _ in CASES.values()]
    assert {case["activation"] for case in covered} == set(ACTIVATIONS)
    assert {case["init"] for case in covered} == set(INITIALIZERS)


@pytest.mark.parametrize("name", CASES)
def test_script_reproduces_page_std(name):
    case, rsd = CASES[name]
    assert disagreeing_layers(network(**case), rsd) == []


# A mistake -> the case it shows in; each must make the comparison fail.
MUTATIONS = {
    "He without the sqrt(2)": ("relu-he_normal", "np.sqrt(2 / fan_in)", "np.sqrt(1 / fan_in)"),
    "orthogonal without its gain": ("tanh-orthogonal-gain", "1.5 * Q", "Q"),
    "sparse without 1/sqrt(k)": ("linear-sparse-3", " / np.sqrt(3)", ""),
    "SELU without its scale": ("selu-lecun_normal", "selu_scale * ", ""),
    "leaky ReLU slope 0.1": ("leaky_relu-he_uniform", "0.01 * s", "0.1 * s"),
    "no bias": ("tanh-bias", " + 0.5", ""),
    "normalized instead of raw inputs": ("tanh-raw-inputs", "128 + 64 * np.random.randn", "np.random.randn"),
    "no batch norm": ("relu-batch-norm", "s = (s - s.mean", "t = (s - s.mean"),
    "sigmoid without the 1/2": ("sigmoid-xavier_normal", "np.tanh(0.5 * s)", "np.tanh(s)"),
}


@pytest.mark.parametrize("mistake", MUTATIONS)
def test_a_wrong_script_fails_the_comparison(mistake):
    name, right, wrong = MUTATIONS[mistake]
    case, rsd = CASES[name]
    net = network(**case)
    assert right in numpy_script(net)
    assert disagreeing_layers(net, rsd, lambda n: numpy_script(n).replace(right, wrong)) != []


def test_bias_std_follows_the_variance_law():
    # Linear layers, LeCun weights, unit inputs, biases N(b, sd^2) per unit: with M the mean square of a layer,
    # Var(s_l) = M_{l-1} + sd^2 and M_l = Var(s_l) + b^2 (M_0 = 1). One bias per layer instead would give 1, 1, 1.
    b, sd = 0.2, 0.5
    net = network(activation="linear", init="lecun_normal", bias=b, bias_std=sd)
    expected, mean_square = [], 1.0
    for _ in range(DEPTH):
        expected.append(mean_square + sd**2)
        mean_square = expected[-1] + b**2
    measured = mean_over_seeds(lambda n: script_stds(numpy_script(n)), net)
    rsd = np.array([0.011, 0.019, 0.025])
    np.testing.assert_array_less(np.abs(measured / np.sqrt(expected) - 1), Z_SCORE * rsd / math.sqrt(len(SEEDS)))


def test_script_reproduces_page_with_bias_std():
    net = network(activation="relu", init="he_normal", bias=0.1, bias_std=0.3)
    assert disagreeing_layers(net, (0.013, 0.03, 0.063)) == []


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_script_computes_in_the_page_dtype_with_the_same_statistics(dtype):
    case, rsd = CASES["tanh-xavier_uniform"]
    net = network(**case, dtype=dtype)
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(numpy_script(net), namespace)
    assert namespace["a"].dtype == namespace["W"].dtype == np.dtype(dtype)
    # Against the page in that dtype (in float64 where Network has no dtype yet).
    assert disagreeing_layers(net, rsd) == []


def test_script_runs_alone(tmp_path):
    net = network(activation="selu", init="sparse", bias=0.1, batch_norm=True, normalize_inputs=False)
    script = numpy_script(net)
    imported = {
        alias.name for node in ast.walk(ast.parse(script)) if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported == {"numpy"}
    # -I: no user site, no PYTHONPATH, no current directory on the path, so no playground.
    run = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stderr == ""
    assert [int(m[1]) for m in LAYER_LINE.finditer(run.stdout)] == list(range(1, DEPTH + 1))


# Fragments that only a setting's own lines contain.
FEATURE_LINES = {
    "bias": ("s = a @ W + ", dict(bias=0.1)),
    "bias std": ("b = ", dict(bias_std=0.1)),
    "raw inputs": ("np.clip(", dict(normalize_inputs=False)),
    "batch norm": ("s.var(axis=0)", dict(batch_norm=True)),
    "float32": ("astype(np.float32)", dict(dtype="float32")),
}
INIT_LINES = {"orthogonal": "np.linalg.qr", "sparse": "np.random.choice", "uniform": "np.random.uniform(-0.05"}


@pytest.mark.parametrize("feature", FEATURE_LINES)
def test_only_the_lines_the_setting_needs(feature):
    fragment, setting = FEATURE_LINES[feature]
    plain = numpy_script(network(activation="tanh", init="lecun_normal", dtype="float64"))
    assert fragment not in plain
    assert fragment in numpy_script(network(activation="tanh", init="lecun_normal", **({"dtype": "float64"} | setting)))
    assert len(plain.splitlines()) <= 16


@pytest.mark.parametrize("init", INITIALIZERS)
def test_each_initializer_writes_only_its_own_lines(init):
    script = numpy_script(network(activation="tanh", init=init))
    for other, fragment in INIT_LINES.items():
        assert (fragment in script) == (other == init)
    assert "selu_alpha" not in script and "if " not in script


@pytest.mark.parametrize(
    "fields_", [dict(activation="softplus"), dict(params={"nonzero": WIDTH + 1}), dict(dtype="float16")]
)
def test_invalid_settings_raise(fields_):
    with pytest.raises(ValueError):
        numpy_script(network(**(dict(activation="tanh", init="sparse") | fields_)))


# --- PyTorch and Keras -------------------------------------------------------------

FAN_IN, FAN_OUT = 300, 200
FRAMEWORK_PARAMS = {"normal": {"std": 0.05}, "uniform": {"limit": 0.1}, "orthogonal": {"gain": 1.5},
                    "constant": {"value": 0.3}, "sparse": {"nonzero": 7}}


def dotted_names(code: str, root: str) -> set[str]:
    """Every ``root.a.b`` the code refers to, whole (not ``torch.nn`` of ``torch.nn.Linear``)."""
    tree = ast.parse(code)
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in inner:
            continue
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == root and parts:
            names.add(".".join([root, *reversed(parts)]))
    return names


def resolve(dotted: str):
    module, *attributes = dotted.split(".")
    value = __import__(module)
    for attribute in attributes:
        value = getattr(value, attribute)
    return value


def torch_weights(init: str, **layer) -> tuple[np.ndarray, np.ndarray, list]:
    """The notes' W = weight.T and the biases of the first layer the PyTorch snippet builds, and all its layers."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    namespace = {}
    exec(torch_code(init, FRAMEWORK_PARAMS.get(init, {}), fan_in=FAN_IN, fan_out=FAN_OUT, **layer).code, namespace)
    first = namespace["layers"][0]
    return first.weight.detach().numpy().T.astype(float), first.bias.detach().numpy().astype(float), namespace["layers"]


@pytest.mark.parametrize("init", INITIALIZERS)
def test_torch_initializer_draws_our_weights(init):
    w, _, layers = torch_weights(init, layers=2)
    assert layers[0].weight.shape == (FAN_OUT, FAN_IN) and w.shape == (FAN_IN, FAN_OUT)
    assert not np.array_equal(w, layers[1].weight.detach().numpy().T) or init in ("zeros", "constant")
    params = FRAMEWORK_PARAMS.get(init, {})
    ours = init_weights(init, FAN_IN, FAN_OUT, np.random.default_rng(0), **params)
    expected_std = math.sqrt(weight_variance(init, FAN_IN, FAN_OUT, **params))
    if expected_std == 0:
        np.testing.assert_allclose(w, ours, rtol=1e-6)
        assert w.mean() == pytest.approx(weight_mean(init, FAN_IN, FAN_OUT, **params), rel=1e-6)
        return
    # The std of N independent draws errs by about 1/sqrt(2N) (uniform: less); both ours and torch's: 5 of that.
    draws = np.count_nonzero(w)
    for sample in (w, ours):
        assert sample.std() == pytest.approx(expected_std, rel=5 * math.sqrt(2 / (2 * draws)))
    if init == "orthogonal":
        np.testing.assert_allclose(w.T @ w, 1.5**2 * np.eye(FAN_OUT), atol=1e-5)
    if init == "sparse":
        assert set(np.count_nonzero(w, axis=0)) == {7}
        assert w[w != 0].std() == pytest.approx(1 / math.sqrt(7), rel=5 / math.sqrt(2 * draws))


@pytest.mark.parametrize("fan_in", [1, 7, 100, 333, 999, 1000])
def test_torch_sparse_keeps_exactly_k_per_unit(fan_in):
    pytest.importorskip("torch")
    for k in sorted({1, min(3, fan_in), min(10, fan_in), fan_in - 1 or 1, fan_in}):
        namespace = {}
        exec(torch_code("sparse", {"nonzero": k}, fan_in=fan_in, fan_out=5).code, namespace)
        weight = namespace["layers"][0].weight.detach().numpy()
        assert set(np.count_nonzero(weight, axis=1)) == {k}, (fan_in, k)


@pytest.mark.parametrize(
    "bias, bias_std, expected_mean, expected_std", [(0.0, 0.0, 0.0, 0.0), (0.2, 0.0, 0.2, 0.0), (0.2, 0.5, 0.2, 0.5)]
)
def test_torch_biases_are_ours(bias, bias_std, expected_mean, expected_std):
    _, b, _ = torch_weights("he_normal", bias=bias, bias_std=bias_std)
    # 200 biases: mean within 5 standard errors, std within 5 of its relative standard error 1/sqrt(2 * 200).
    assert b.mean() == pytest.approx(expected_mean, abs=5 * expected_std / math.sqrt(FAN_OUT) + 1e-7)
    assert b.std() == pytest.approx(expected_std, rel=5 / math.sqrt(2 * FAN_OUT), abs=1e-7)


def test_torch_default_linear_is_a_third_of_lecun():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = torch.nn.Linear(FAN_IN, FAN_OUT)
    w = layer.weight.detach().numpy()
    assert w.std() == pytest.approx(1 / math.sqrt(3 * FAN_IN), rel=5 / math.sqrt(2 * w.size))
    bound = 1 / math.sqrt(FAN_IN)
    assert np.abs(w).max() <= bound and np.abs(layer.bias.detach().numpy()).max() <= bound


@pytest.mark.parametrize("init", INITIALIZERS)
def test_page_torch_snippet_runs_and_names_exist(init):
    pytest.importorskip("torch")
    torch_row, _ = framework_code(network(activation="relu", init=init, depth=2, width=64, bias=0.01))
    names = dotted_names(torch_row.code, "torch")
    assert names and all(callable(resolve(name)) for name in names)
    namespace = {}
    exec(torch_row.code, namespace)
    assert [tuple(layer.weight.shape) for layer in namespace["layers"]] == [(64, 64)] * 2
    assert torch_row.call in torch_row.code and any("(fan_out, fan_in)" in note for note in torch_row.notes)
    # The notes name torch.nn.init functions bare, `kaiming_uniform_(...)`, and say which one it has not.
    notes = " ".join(torch_row.notes)
    absent = set(re.findall(r"has no `(\w+_)`", notes))
    quoted = set(re.findall(r"`(\w+_)[(`]", notes)) - absent
    assert "kaiming_uniform_" in quoted and all(callable(resolve(f"torch.nn.init.{name}")) for name in quoted)
    assert not any(hasattr(resolve("torch.nn.init"), name) for name in absent)
    assert absent == ({"lecun_normal_"} if init == "lecun_normal" else set())


def test_framework_rows_say_what_differs():
    torch_sparse, keras_sparse = framework_code(network(activation="relu", init="sparse"))
    assert "fraction" in " ".join(torch_sparse.notes) and "no sparse initializer" in " ".join(keras_sparse.notes)
    for init in ("lecun_normal", "xavier_normal", "he_normal"):
        torch_row, keras_row = framework_code(network(activation="relu", init=init))
        assert torch_row.same_distribution and not keras_row.same_distribution
        assert "truncated" in " ".join(keras_row.notes) and "untruncated_normal" in " ".join(keras_row.notes)
    for init in set(INITIALIZERS) - {"lecun_normal", "xavier_normal", "he_normal"}:
        assert all(row.same_distribution for row in framework_code(network(activation="relu", init=init)))


# Keras 3's signatures, as read in keras-team/keras keras/src/initializers/{random,constant}_initializers.py
# (keras is not installed here): a stand-in module that binds the snippet's arguments to them.
KERAS_SIGNATURES = {
    "Zeros": lambda: None,
    "Constant": lambda value=0.0: None,
    "RandomNormal": lambda mean=0.0, stddev=0.05, seed=None: None,
    "RandomUniform": lambda minval=-0.05, maxval=0.05, seed=None: None,
    "GlorotNormal": lambda seed=None: None,
    "GlorotUniform": lambda seed=None: None,
    "HeNormal": lambda seed=None: None,
    "HeUniform": lambda seed=None: None,
    "LecunNormal": lambda seed=None: None,
    "Orthogonal": lambda gain=1.0, seed=None: None,
    "VarianceScaling": lambda scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None: None,
}


def keras_stand_in() -> types.ModuleType:
    """A ``keras`` module whose initializers and Dense only record their bound arguments."""

    def initializer(name):
        def make(*args, **kwargs):
            bound = inspect.signature(KERAS_SIGNATURES[name]).bind(*args, **kwargs)
            return types.SimpleNamespace(name=name, args=bound)

        return make

    def dense(units, kernel_initializer="glorot_uniform", bias_initializer="zeros"):
        return types.SimpleNamespace(
            units=units, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer
        )

    keras = types.ModuleType("keras")
    keras.initializers = types.SimpleNamespace(**{name: initializer(name) for name in KERAS_SIGNATURES})
    keras.layers = types.SimpleNamespace(Dense=dense)
    return keras


def keras_expressions(row) -> list[str]:
    """The Keras expressions the notes quote as code, like `keras.initializers.VarianceScaling(...)`."""
    return [span for note in row.notes for span in re.findall(r"`(keras\.initializers\.[^`]+\))`", note)]


@pytest.mark.parametrize("init", INITIALIZERS)
def test_keras_snippet_binds_to_keras_signatures(init, monkeypatch):
    keras = keras_stand_in()
    monkeypatch.setitem(sys.modules, "keras", keras)
    layer = dict(fan_in=FAN_IN, fan_out=FAN_OUT, layers=3, bias=0.1, bias_std=0.2)
    row = keras_code(init, FRAMEWORK_PARAMS.get(init, {}), **layer)
    namespace = {}
    exec(row.code, namespace)
    layers = namespace["layers"]
    assert [layer.units for layer in layers] == [FAN_OUT] * 3
    assert layers[0].bias_initializer.args.arguments == {"mean": 0.1, "stddev": 0.2}
    kernels = [layer.kernel_initializer for layer in layers]
    if init == "sparse":
        np.random.seed(0)
        w = kernels[0]((FAN_IN, FAN_OUT), dtype="float32")
        assert w.dtype == np.float32 and set(np.count_nonzero(w, axis=0)) == {7}
        assert w.std() == pytest.approx(1 / math.sqrt(FAN_IN), rel=5 / math.sqrt(2 * 7 * FAN_OUT))
    else:
        assert len({id(kernel) for kernel in kernels}) == 3  # a new object for every layer
        assert row.call.startswith(f"keras.initializers.{kernels[0].name}(")
    for expression in keras_expressions(row):
        eval(expression, {"keras": keras})


def test_keras_names_exist():
    keras = pytest.importorskip("keras")
    for init in INITIALIZERS:
        row = framework_code(network(activation="relu", init=init))[1]
        assert all(callable(resolve(name)) for name in dotted_names(row.code, "keras"))
        for expression in keras_expressions(row):
            eval(expression, {"keras": keras})


def test_keras_kernels_draw_our_std():
    keras = pytest.importorskip("keras")
    for init in INITIALIZERS:
        params = FRAMEWORK_PARAMS.get(init, {})
        namespace = {}
        exec(keras_code(init, params, fan_in=FAN_IN, fan_out=FAN_OUT).code, namespace)
        layer = namespace["layers"][0]
        layer.build((None, FAN_IN))
        w = keras.ops.convert_to_numpy(layer.kernel).astype(float)
        assert w.shape == (FAN_IN, FAN_OUT)
        expected = math.sqrt(weight_variance(init, FAN_IN, FAN_OUT, **params))
        assert w.std() == pytest.approx(expected, rel=5 / math.sqrt(2 * max(np.count_nonzero(w), 1)), abs=1e-7)
