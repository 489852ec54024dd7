"""The weight-initialization playground's numbers: plain numpy and pandas, no Streamlit.

- ``activations``, ``initializers``, ``init_keys``: the catalogue, one pure function each, and its keys;
- ``simulation``, ``draws``: the notes' experiment, per-layer forward and backward statistics, on cached base draws;
- ``stats``, ``parallel``: statistics of big arrays, and a second thread for what numpy does on one core;
- ``theory``: the variance argument and its mean-field recursion;
- ``propagation``: mean-field signal propagation, the phase diagram, Jacobian spectra;
- ``symmetry``: notes 001's worked example, exactly, and symmetry over training;
- ``compare``: initializers side by side on one network;
- ``networks``, ``optimizers``, ``losses``, ``training``, ``training_budget``, ``datasets``: networks trained from each;
- ``settings``, ``links``, ``plan``, ``lessons``: what the page is set to, its links, its work budget, its lessons;
- ``diagnosis``, ``explain``: what the numbers say, as typed messages;
- ``reproduce``: a setting as a numpy script and as PyTorch and Keras code;
- ``charts``: Altair chart builders, frames in and charts out (the only part that imports Altair).
"""

import os
import sys

# OpenBLAS keeps its threads spinning for about 0.1 s after every product
# (2^28 cycles), holding the core that this package's second thread (Gaussian
# draws, element-wise work: see parallel.py) needs. 2^20 cycles, under a
# millisecond, keeps the many small products of a QR as fast (2^14 made an
# orthogonal initializer's QR 25% slower). OpenBLAS reads this once,
# when numpy loads it: it takes effect only when this package is imported
# before numpy (streamlit_app.py and the benchmarks do so), and a value already
# in the environment wins.
OPENBLAS_THREAD_TIMEOUT = "20"
BLAS_SPIN_LIMITED = "numpy" not in sys.modules or os.environ.get("OPENBLAS_THREAD_TIMEOUT") is not None
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", OPENBLAS_THREAD_TIMEOUT)
