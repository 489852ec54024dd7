"""Every sentence the page shows, computed from the numbers: pure functions returning ``Message``s.

One module per section (``activations``, ``gradients``, ``symmetry``,
``compare``) and ``notes`` for the notes above every section (lowered
budgets, a link's ignored values). Nothing here imports Streamlit: the page
shows what these functions return, and the tests read them directly.
"""

from .message import Message, number, percent

__all__ = ["Message", "number", "percent"]
