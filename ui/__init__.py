"""The page's Streamlit code: with ``streamlit_app.py``, the only place that imports Streamlit.

- ``link``: the session's widget state and the page's link, both ways, through ``playground.links.FIELDS``;
- ``sidebar``: the lesson stepper and the network's controls;
- ``compute``: every cached computation, and the server-wide limit on heavy ones;
- ``show``: a ``Message`` on the page, by its tone;
- ``sections``: one module per section of the page, each with ``render(context)``.
"""
