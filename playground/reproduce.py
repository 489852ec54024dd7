"""The page's setting as code to take home: a numpy script, and the same initializer in PyTorch and Keras.

``numpy_script`` writes the page's forward experiment for one ``Network`` as
a short, self-contained script in the lecture notes' style
(``W = np.random.randn(fan_in, fan_out) * scale``), with only the lines that
setting needs. It draws from numpy's global generator, not from the page's
seeded streams, so it prints the page's per-layer statistics to within
sampling noise, not digit for digit.

``framework_code`` gives the initializer of that setting in PyTorch and in
Keras, as code that builds the page's layers, with the fan convention of
each framework and every place where its definition differs from ours.

Both are pure functions of the settings (a ``settings.Network``): no
Streamlit, no randomness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import activations as act_mod
from . import initializers as init_mod
from .simulation import BATCH_NORM_EPS, RAW_INPUT_MEAN, RAW_INPUT_RANGE, RAW_INPUT_STD


def _num(value: float) -> str:
    """A parameter as Python source: the shortest repr that reads back to the same float."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _is_call(expr: str) -> bool:
    """Whether ``expr`` is one call, like ``np.random.randn(n, m)``, so ``.astype`` may follow it unparenthesized."""
    if not expr.endswith(")") or "(" not in expr:
        return False
    depth = 0
    for position, char in enumerate(expr):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and char == ")" and position != len(expr) - 1:
            return False
    return expr.split("(", 1)[0].replace(".", "").replace("_", "").isalnum()


def _as_dtype(expr: str, dtype: str) -> str:
    """``expr`` cast to ``dtype``: unchanged for float64, numpy's default."""
    if dtype == "float64":
        return expr
    return f"{expr}.astype(np.{dtype})" if _is_call(expr) else f"({expr}).astype(np.{dtype})"


def _setting(network) -> dict:
    """The network's fields the script needs, checked, with the initializer's parameters filled in.

    ValueError names what is wrong: an unknown activation, initializer or
    dtype, or parameters the initializer does not take.
    """
    act_mod.get(network.activation)
    params = init_mod.check_params(network.init, network.width, network.width, network.params)
    dtype = init_mod.check_dtype(network.dtype)
    bias_std = float(network.bias_std)
    if not (math.isfinite(bias_std) and bias_std >= 0):
        raise ValueError(f"bias_std must be a finite number >= 0, got {bias_std!r}")
    return dict(params=params, dtype=dtype, bias=float(network.bias), bias_std=bias_std)


def _weight_lines(init: str, params: dict, dtype: str) -> list[str]:
    """The loop body's lines that draw one layer's W, shape (fan_in, fan_out), as the initializer does."""
    shape = "(fan_in, fan_out)"
    randn = "np.random.randn(fan_in, fan_out)"
    single = {
        "zeros": f"np.zeros({shape})",
        "constant": f"np.full({shape}, {_num(params.get('value', 0))})",
        "normal": f"{randn} * {_num(params.get('std', 0))}",
        "uniform": f"np.random.uniform({_num(-params.get('limit', 0))}, {_num(params.get('limit', 0))}, {shape})",
        "lecun_normal": f"{randn} / np.sqrt(fan_in)",
        "xavier_normal": f"{randn} * np.sqrt(2 / (fan_in + fan_out))",
        "he_normal": f"{randn} * np.sqrt(2 / fan_in)",
    }
    comments = {
        "lecun_normal": '  # LeCun normal: the notes\' "Xavier", n Var(w) = 1',
        "xavier_normal": "  # Glorot & Bengio: Var(w) = 2 / (fan_in + fan_out)",
        "he_normal": "  # He et al.: n Var(w) = 2",
    }
    if init in single:
        return [f"W = {_as_dtype(single[init], dtype)}{comments.get(init, '')}"]
    if init in ("xavier_uniform", "he_uniform"):
        fans = "(fan_in + fan_out)" if init == "xavier_uniform" else "fan_in"
        uniform = f"np.random.uniform(-limit, limit, {shape})"
        return [
            f"limit = np.sqrt(6 / {fans})  # Var(w) = limit^2 / 3 = 2 / {fans}",
            f"W = {_as_dtype(uniform, dtype)}",
        ]
    if init == "orthogonal":
        gain = float(params["gain"])
        product = "Q * np.sign(np.diag(R))" if gain == 1 else f"{_num(gain)} * Q * np.sign(np.diag(R))"
        return [
            f"Q, R = np.linalg.qr({randn})  # Q: orthonormal columns",
            f"W = {_as_dtype(product, dtype)}  # the signs of R's diagonal make Q uniformly distributed",
        ]
    if init == "sparse":
        k = int(params["nonzero"])
        zeros = f"np.zeros({shape})" if dtype == "float64" else f"np.zeros({shape}, dtype=np.{dtype})"
        return [
            f"W = {zeros}",
            f"for unit in range(fan_out):  # {k} non-zero incoming weights per unit, each N(0, 1/{k})",
            f"    rows = np.random.choice(fan_in, {k}, replace=False)",
            f"    W[rows, unit] = np.random.randn({k}) / np.sqrt({k})",
        ]
    raise ValueError(f"no numpy lines for initializer {init!r}")


def _activation_lines(activation: str) -> list[str]:
    """The loop body's line a = phi(s), written out, for each of the page's activations."""
    lines = {
        "linear": "a = s  # linear: no activation",
        "sigmoid": "a = 0.5 * (1 + np.tanh(0.5 * s))  # sigmoid 1 / (1 + exp(-s)), in a form that cannot overflow",
        "tanh": "a = np.tanh(s)",
        "relu": "a = np.maximum(0, s)",
        "leaky_relu": f"a = np.maximum({_num(act_mod.LEAKY_SLOPE)} * s, s)  # leaky ReLU",
        "selu": "a = selu_scale * np.where(s > 0, s, selu_alpha * np.expm1(np.minimum(s, 0)))",
    }
    return [lines[activation]]


def _input_lines(normalize_inputs: bool, dtype: str) -> list[str]:
    """X, unit Gaussian or raw pixel-like intensities, as ``simulation.make_inputs`` draws it."""
    randn = "np.random.randn(n_samples, width)"
    if normalize_inputs:
        return [f"X = {_as_dtype(randn, dtype)}  # unit Gaussian inputs"]
    low, high = RAW_INPUT_RANGE
    raw = f"np.clip({_num(RAW_INPUT_MEAN)} + {_num(RAW_INPUT_STD)} * {randn}, {_num(low)}, {_num(high)})"
    return [f"X = {_as_dtype(raw, dtype)}  # raw, un-normalized pixel-like inputs"]


def _bias_lines(bias: float, bias_std: float, dtype: str) -> tuple[list[str], str]:
    """The lines drawing one layer's biases, and what the pre-activation adds: '', a number, or b."""
    if bias_std == 0:
        return [], (f" + {_num(bias)}" if bias else "")
    draw = f"{_num(bias_std)} * np.random.randn(fan_out)"
    if bias:
        draw = f"{_num(bias)} + {draw}"
    return [f"b = {_as_dtype(draw, dtype)}  # one bias per unit, N({_num(bias)}, {_num(bias_std)}^2)"], " + b"


def _header(network, setting: dict) -> list[str]:
    """The script's opening comments: the setting in one line, and what to expect of its numbers."""
    params = ", ".join(f"{name}={_num(value)}" for name, value in setting["params"].items())
    parts = [
        act_mod.get(network.activation).label,
        f"{network.init}({params})" if params else network.init,
        f"{network.depth} layers of {network.width} units",
        f"{network.samples} {'unit Gaussian' if network.normalize_inputs else 'raw pixel-like'} samples",
        f"bias {_num(setting['bias'])}" if setting["bias"] else "",
        f"bias std {_num(setting['bias_std'])}" if setting["bias_std"] else "",
        "batch norm" if network.batch_norm else "",
        setting["dtype"] if setting["dtype"] != "float64" else "",
        f"seed {int(network.seed)}",
    ]
    return [
        f"# The page's experiment: {', '.join(filter(None, parts))}.",
        "# Other random draws than the page's: expect its numbers to within sampling noise.",
    ]


def numpy_script(network) -> str:
    """A short self-contained numpy script that runs the page's forward experiment and prints each layer's std.

    ``network`` is a ``settings.Network`` (or anything with its fields, and
    optionally ``bias_std`` and ``dtype``). The script draws X, then for each
    of ``depth`` layers W (fan_in x fan_out, as the initializer does), the
    biases, s = a W + b, batch norm of s over the batch, a = phi(s), and
    prints the mean and std of a over all samples and units, as the page
    measures them. Only the lines the setting needs are written.
    """
    setting = _setting(network)
    dtype = setting["dtype"]
    bias_lines, bias_term = _bias_lines(setting["bias"], setting["bias_std"], dtype)
    body = [*_weight_lines(network.init, setting["params"], dtype), *bias_lines, f"s = a @ W{bias_term}"]
    if network.batch_norm:
        eps = _num(BATCH_NORM_EPS)
        body.append(f"s = (s - s.mean(axis=0)) / np.sqrt(s.var(axis=0) + {eps})  # batch norm over the batch")
    body += _activation_lines(network.activation)
    body.append('print(f"layer {layer}: mean {a.mean():+.4g}, std {a.std():.4g}")')
    lines = [*_header(network, setting), "import numpy as np", ""]
    lines.append(f"np.random.seed({int(network.seed)})")
    lines.append(f"depth, width, n_samples = {int(network.depth)}, {int(network.width)}, {int(network.samples)}")
    lines.append("fan_in = fan_out = width  # every layer maps width units to width units")
    if network.activation == "selu":
        alpha, scale = repr(act_mod.SELU_ALPHA), repr(act_mod.SELU_SCALE)
        lines.append(f"selu_alpha, selu_scale = {alpha}, {scale}  # Klambauer et al. 2017")
    lines += [*_input_lines(network.normalize_inputs, dtype), "", "a = X", "for layer in range(1, depth + 1):"]
    lines += [f"    {line}" for line in body]
    return "\n".join(lines) + "\n"


# --- PyTorch and Keras ---------------------------------------------------------


@dataclass(frozen=True)
class FrameworkCode:
    """One framework's way to initialize the page's layers as the page does."""

    # "PyTorch" or "Keras".
    framework: str
    # The weight initializer as called, e.g. 'torch.nn.init.xavier_uniform_(layer.weight)'.
    call: str
    # A runnable snippet that builds the page's layers as ``layers``, initialized so.
    code: str
    # Whether the call draws exactly the page's distribution, not only its variance.
    same_distribution: bool
    # The framework's fan convention, and wherever its definition differs from ours.
    notes: tuple[str, ...]


TORCH_LAYOUT = (
    "`torch.nn.Linear(fan_in, fan_out)` stores `weight` as `(fan_out, fan_in)`, the notes' W transposed "
    "(it computes `x @ weight.T`), and `torch.nn.init` reads fan_in = `weight.shape[1]`, fan_out = `weight.shape[0]`. "
    "To initialize a `(fan_in, fan_out)` tensor used as `x @ W`, pass `W.T`."
)
TORCH_DEFAULT = (
    "Without these lines `nn.Linear` draws its weight with `kaiming_uniform_(weight, a=math.sqrt(5))`, "
    "that is U(±1/√fan_in): n Var(w) = 1/3, a third of LeCun's; and its bias from U(±1/√fan_in), not 0."
)
KERAS_LAYOUT = (
    "`keras.layers.Dense(fan_out)` builds its kernel as `(fan_in, fan_out)`, like the notes' W "
    "(it computes `x @ kernel`); Keras reads fan_in = `shape[0]`, fan_out = `shape[1]`. Its defaults are "
    "`GlorotUniform()` for the kernel and `Zeros()` for the bias."
)
KERAS_NEW_OBJECT = (
    "Give every layer its own initializer object: \"an initializer seeded with an integer or `None` (unseeded) will "
    "produce the same random values across multiple calls\" (Keras' docstrings), so one object shared by several "
    "layers gives them the same weights."
)


def _torch_weight(init: str, params: dict, fan_in: int) -> tuple[str, bool, list[str]]:
    """The ``torch.nn.init`` call on ``layer.weight`` for our initializer, whether it is exact, and what differs."""
    w = "layer.weight"
    calls = {
        "zeros": f"torch.nn.init.zeros_({w})",
        "constant": f"torch.nn.init.constant_({w}, {_num(params.get('value', 0))})",
        "normal": f"torch.nn.init.normal_({w}, 0.0, {_num(params.get('std', 0))})",
        "uniform": f"torch.nn.init.uniform_({w}, {_num(-params.get('limit', 0))}, {_num(params.get('limit', 0))})",
        "lecun_normal": f'torch.nn.init.kaiming_normal_({w}, nonlinearity="linear")',
        "xavier_normal": f"torch.nn.init.xavier_normal_({w})",
        "xavier_uniform": f"torch.nn.init.xavier_uniform_({w})",
        "he_normal": f'torch.nn.init.kaiming_normal_({w}, nonlinearity="relu")',
        "he_uniform": f'torch.nn.init.kaiming_uniform_({w}, nonlinearity="relu")',
    }
    notes = {
        "lecun_normal": "PyTorch has no `lecun_normal_`: `kaiming_normal_` with gain 1 (`nonlinearity=\"linear\"`) "
        "is exactly N(0, 1/fan_in). PyTorch's `kaiming_normal_` and `xavier_normal_` do not truncate.",
        "xavier_normal": "`xavier_normal_` (gain 1) is N(0, 2/(fan_in + fan_out)), not truncated.",
        "he_normal": "`kaiming_normal_` is N(0, gain²/fan_in), not truncated; gain √2 for `\"relu\"` (also for its "
        "default, `\"leaky_relu\"` with a=0).",
        "he_uniform": "`kaiming_uniform_` is U(±gain·√(3/fan_in)) = U(±√(6/fan_in)) for `\"relu\"`.",
    }
    if init in calls:
        return calls[init], True, [notes[init]] if init in notes else []
    if init == "orthogonal":
        gain = float(params["gain"])
        call = f"torch.nn.init.orthogonal_({w})" if gain == 1 else f"torch.nn.init.orthogonal_({w}, gain={_num(gain)})"
        note = ("`orthogonal_` takes the QR of a Gaussian matrix with the same sign fix; on `weight` "
                "`(fan_out, fan_in)` its orthonormal rows are W's orthonormal columns when fan_in ≥ fan_out.")
        return call, True, [note]
    if init == "sparse":
        k = int(params["nonzero"])
        # ceil(sparsity * fan_in) zeros per column: aim between two integers so rounding cannot add one.
        sparsity = 0.0 if k == fan_in else round((fan_in - k - 0.5) / fan_in, 6)
        call = f"torch.nn.init.sparse_({w}.T, sparsity={_num(sparsity)}, std=1 / math.sqrt({k}))"
        note = (
            f"`sparse_(tensor, sparsity, std=0.01)` zeroes a *fraction*, ceil(sparsity × rows), of each column of "
            f"the tensor it is given and draws the rest from N(0, std²) with a fixed std (0.01 by default); Martens' "
            f"sparse initialization keeps k non-zero incoming weights per unit with Var 1/k. The call above converts: "
            f"on `weight.T` `(fan_in, fan_out)` a column is one unit's incoming weights, and ceil({_num(sparsity)} × "
            f"{fan_in}) = {fan_in - k} of them are zeroed, leaving {k}, each N(0, 1/{k}). On `weight` itself it would "
            "fix each input's outgoing weights instead, leaving a random number per unit."
        )
        return call, True, [note]
    raise ValueError(f"no PyTorch call for initializer {init!r}")


def _torch_bias(bias: float, bias_std: float) -> str:
    """The ``torch.nn.init`` call on ``layer.bias``: PyTorch's default is not 0, so there always is one."""
    if bias_std:
        return f"torch.nn.init.normal_(layer.bias, {_num(bias)}, {_num(bias_std)})"
    if bias:
        return f"torch.nn.init.constant_(layer.bias, {_num(bias)})"
    return "torch.nn.init.zeros_(layer.bias)"


def torch_code(init: str, params: dict, *, fan_in: int, fan_out: int, layers: int = 1,
               bias: float = 0.0, bias_std: float = 0.0) -> FrameworkCode:
    """PyTorch code that builds ``layers`` ``nn.Linear(fan_in, fan_out)`` initialized as ours."""
    params = init_mod.check_params(init, fan_in, fan_out, params)
    call, exact, notes = _torch_weight(init, params, fan_in)
    imports = ["import math", "import torch"] if "math." in call else ["import torch"]
    code = [
        *imports,
        "",
        f"layers = [torch.nn.Linear({fan_in}, {fan_out}) for _ in range({layers})]  # weight: (fan_out, fan_in)",
        "for layer in layers:",
        f"    {call}",
        f"    {_torch_bias(bias, bias_std)}",
    ]
    return FrameworkCode("PyTorch", call, "\n".join(code) + "\n", exact, (TORCH_LAYOUT, *notes, TORCH_DEFAULT))


# Keras' truncated normals: the exact, untruncated VarianceScaling equivalent of each.
KERAS_TRUNCATED = {
    "lecun_normal": ("LecunNormal", "1.0", "fan_in", "1/fan_in"),
    "xavier_normal": ("GlorotNormal", "1.0", "fan_avg", "2/(fan_in + fan_out)"),
    "he_normal": ("HeNormal", "2.0", "fan_in", "2/fan_in"),
}


def _keras_sparse_function(k: int) -> list[str]:
    """A Keras kernel initializer for Martens' sparse initialization, which Keras does not have."""
    return [
        "def sparse(shape, dtype=None):",
        f'    """{k} non-zero incoming weights per unit, each N(0, 1/{k}): Keras has no sparse initializer."""',
        "    fan_in, fan_out = shape",
        "    W = np.zeros(shape, dtype=dtype)",
        "    for unit in range(fan_out):",
        f"        W[np.random.choice(fan_in, {k}, replace=False), unit] = np.random.randn({k}) / np.sqrt({k})",
        "    return W",
    ]


def _keras_kernel(init: str, params: dict) -> tuple[str, bool, list[str]]:
    """The Keras kernel initializer for ours, whether it is exact, and what differs."""
    ki = "keras.initializers"
    exact = {
        "zeros": f"{ki}.Zeros()",
        "constant": f"{ki}.Constant({_num(params.get('value', 0))})",
        "normal": f"{ki}.RandomNormal(stddev={_num(params.get('std', 0))})",
        "uniform": f"{ki}.RandomUniform({_num(-params.get('limit', 0))}, {_num(params.get('limit', 0))})",
        "xavier_uniform": f"{ki}.GlorotUniform()",
        "he_uniform": f"{ki}.HeUniform()",
    }
    if init in exact:
        return exact[init], True, []
    if init in KERAS_TRUNCATED:
        name, scale, mode, variance = KERAS_TRUNCATED[init]
        note = (
            f"`{name}` draws a *truncated* normal: values beyond 2 standard deviations are redrawn, from a std of "
            f"√({variance})/0.8796 so that the variance is still {variance}. Exactly the page's untruncated "
            f'N(0, {variance}) is `{ki}.VarianceScaling({scale}, "{mode}", "untruncated_normal")`.'
        )
        return f"{ki}.{name}()", False, [note]
    if init == "orthogonal":
        gain = float(params["gain"])
        call = f"{ki}.Orthogonal()" if gain == 1 else f"{ki}.Orthogonal(gain={_num(gain)})"
        note = ("`Orthogonal` takes the QR of a Gaussian matrix with the same sign fix: orthonormal columns of "
                "the `(fan_in, fan_out)` kernel when fan_in ≥ fan_out, as here.")
        return call, True, [note]
    if init == "sparse":
        note = ("Keras has no sparse initializer: any function `(shape, dtype) -> array` serves as one, "
                "and this one draws the page's.")
        return "sparse", True, [note]
    raise ValueError(f"no Keras initializer for {init!r}")


def _keras_bias(bias: float, bias_std: float) -> str:
    """The Keras bias initializer, or '' where Dense's default, zeros, is the page's."""
    if bias_std:
        return f"keras.initializers.RandomNormal(mean={_num(bias)}, stddev={_num(bias_std)})"
    return f"keras.initializers.Constant({_num(bias)})" if bias else ""


def keras_code(init: str, params: dict, *, fan_in: int, fan_out: int, layers: int = 1,
               bias: float = 0.0, bias_std: float = 0.0) -> FrameworkCode:
    """Keras code that builds ``layers`` ``Dense(fan_out)`` layers (inputs of width fan_in) initialized as ours."""
    params = init_mod.check_params(init, fan_in, fan_out, params)
    kernel, exact, notes = _keras_kernel(init, params)
    bias_init = _keras_bias(bias, bias_std)
    code = ["import keras"]
    if init == "sparse":
        code += ["import numpy as np", "", "", *_keras_sparse_function(int(params["nonzero"])), ""]
    shapes = f"each kernel is (fan_in, fan_out) = ({fan_in}, {fan_out})"
    code += ["", f"# {'A new initializer object for every layer; ' if init != 'sparse' else ''}{shapes}."]
    if bias_init:
        arguments = [f"{fan_out},", f"kernel_initializer={kernel},", f"bias_initializer={bias_init},"]
        dense = ["    keras.layers.Dense(", *(f"        {argument}" for argument in arguments), "    )"]
        code += ["layers = [", *dense, f"    for _ in range({layers})", "]"]
    else:
        code.append(f"layers = [keras.layers.Dense({fan_out}, kernel_initializer={kernel}) for _ in range({layers})]")
    return FrameworkCode("Keras", kernel, "\n".join(code) + "\n", exact, (KERAS_LAYOUT, KERAS_NEW_OBJECT, *notes))


def framework_code(network) -> tuple[FrameworkCode, FrameworkCode]:
    """The network's initializer (and biases) in PyTorch and in Keras, for its ``depth`` layers of ``width`` units."""
    setting = _setting(network)
    layer = dict(
        fan_in=network.width, fan_out=network.width, layers=network.depth,
        bias=setting["bias"], bias_std=setting["bias_std"],
    )
    return (
        torch_code(network.init, setting["params"], **layer),
        keras_code(network.init, setting["params"], **layer),
    )
