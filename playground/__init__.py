"""The weight-initialization playground's numbers: plain numpy and pandas, no Streamlit.

- ``activations``, ``initializers``: the catalogue, one pure function each;
- ``simulation``: the notes' experiment, per-layer forward and backward statistics;
- ``theory``: the variance argument and its mean-field recursion;
- ``symmetry``: notes 001's worked example, exactly, and symmetry over training;
- ``compare``, ``training``, ``datasets``: initializers side by side, and a toy network trained from each;
- ``settings``, ``links``, ``budget``, ``lessons``, ``verdict``: what the page is set to and says;
- ``charts``: Altair chart builders, frames in and charts out.
"""
