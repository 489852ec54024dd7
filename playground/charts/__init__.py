"""Altair chart builders: pandas frames in, charts out; no Streamlit here.

Every chart has a title, labelled axes and tooltips, and is fed pre-binned or
per-layer frames of hundreds of rows, never raw activations.
"""
