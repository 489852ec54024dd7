"""Hostile and broken links through the real page (AppTest), as anyone may type them into the address bar.

A hypothesis property test draws links from the page's own parameter names
and arbitrary text, with wrong types, huge and negative numbers, NaN and inf,
empty values, repeated keys, unicode, HTML, script and Markdown-link
fragments. For every one the page must render without an exception, use the
default for every value it cannot use and say so in a visible note (a
``st.warning`` with a link icon), hold only valid values in its widgets,
write a clean link back, and never render anything from the link as HTML.

What a value should become is decided here from the page's ranges and
option lists and Python's ``float`` reading, not by calling the parser; from
``playground/links.py`` the test takes only how a note quotes a value
(``links.quote``) and which compared-initializer keys exist. The page's
notes must also be exactly the parser's notes for the link.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from playground import activations, datasets, init_keys, initializers, links, plan, symmetry, training
from playground import settings as page_settings
from playground.explain.notes import simulation_notes
from playground.lessons import LESSONS
from playground.settings import VIEWS, Network, PageState, Symmetry, Training
from playground.simulation import simulate

# The page marks the link's notes with a link icon (an emoji or a Material icon).
LINK_ICONS = ("🔗", ":material/link")
# Streamlit keeps these to itself (case-insensitively): the page never sees them.
STREAMLIT_KEYS = {"embed", "embed_options"}
# Added to a link that does not set them itself, so that each run is quick.
SMALL = {"depth": "3", "width": "40", "samples": "100"}
QUICK = SMALL | {"steps": "20"}

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<b>bold</b>",
    "</div><h1>hi</h1>",
    "javascript:alert(1)",
    "&lt;script&gt;",
    "**bold** _it_ `code` # h",
    ":red[red] :material/home: $x^2$",
    "\\<script\\>",
    "\u202eevil\u202c",
    "\x00\x01\x1b[31m",
    "'; DROP TABLE x; --",
    "%3Cscript%3E",
    "😀" * 50,
    "a" * 500,
]
NUMBERS = [
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "", " ", "0", "-0", "-1",
    "1.5", "1e2", "0x10", "1_000", "١٢", "2147483648", "9007199254740993", "99999999999999999999999",
    "true", "false", "yes", "None", "null", "[]", "{}", "1,2", "3.0", " 3 ",
]


def known_values(name: str) -> st.SearchStrategy[str]:
    """Values a real control could have produced, kept small where they size the network."""
    choices = {
        "view": list(VIEWS), "activation": list(activations.ACTIVATIONS), "init": list(initializers.INITIALIZERS),
        "dataset": list(datasets.DATASETS), "optimizer": list(training.OPTIMIZERS), "w2": list(symmetry.W2_CASES),
        "normalize": ["true", "false"], "batchnorm": ["true", "false", "1", "off"],
        "lesson": list(LESSONS),
    }
    if choices.get(name):
        return st.sampled_from(choices[name])
    small = {"depth": (1, 3), "width": (1, 50), "samples": (10, 100), "seed": page_settings.SEED_RANGE,
             "steps": (10, 60), "nonzero": (1, 60)}
    if name in small:
        return st.integers(*small[name]).map(str)
    ranges = {"bias": page_settings.BIAS_RANGE, "lr": page_settings.LR_RANGE, "eps": symmetry.EPS_RANGE}
    ranges |= {p.name: (p.low, p.high) for p in links.INIT_PARAMS.values()}
    if name in ranges:
        return st.floats(*ranges[name]).map(repr)
    if name == "compare":
        keys = list(initializers.INITIALIZERS) + ["normal:0.5", "normal:abc", "he_normal:2", "nope"]
        return st.lists(st.sampled_from(keys), max_size=10).map(",".join)
    return st.text(max_size=5)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(NUMBERS),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    TEXT,
)
NAMES = sorted({f.name for f in links.FIELDS} | set(links.INIT_PARAMS) | {"lesson", "view"})


@st.composite
def hostile_links(draw) -> dict[str, list[str]]:
    """A link: known and arbitrary names, each with one value or several (a repeated key)."""
    query: dict[str, list[str]] = {}
    for _ in range(draw(st.integers(1, 6))):
        known = draw(st.booleans()) or draw(st.booleans())
        name = draw(st.sampled_from(NAMES)) if known else draw(st.one_of(TEXT, st.sampled_from(HOSTILE)))
        if name.lower() in STREAMLIT_KEYS:
            continue
        one = st.one_of(known_values(name), VALUE) if name in NAMES else VALUE
        # Links that name a lesson are rarer: a lesson replaces the whole setting.
        if name == "lesson" and draw(st.integers(0, 3)):
            one = VALUE
        query[name] = draw(st.lists(one, min_size=1, max_size=3 if draw(st.integers(0, 4)) == 0 else 1))
    # Half of the links open a section of the page other than the first.
    if "view" not in query and draw(st.booleans()):
        query["view"] = [draw(st.sampled_from(list(VIEWS)))]
    # A small network and short training unless the link itself asks otherwise.
    for name, value in QUICK.items():
        query.setdefault(name, [value])
    return query


# --- what each value should become, decided independently of links.py ----------------------


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _integer(low: int, high: int):
    def read(text: str):
        value = _number(text)
        return int(value) if value is not None and value == int(value) and low <= value <= high else None

    return read


def _real(low: float, high: float):
    def read(text: str):
        value = _number(text)
        return value if value is not None and low <= value <= high else None

    return read


def _choice(options):
    return lambda text: text if text in options else None


def _flag(text: str):
    return {"true": True, "1": True, "yes": True, "on": True,
            "false": False, "0": False, "no": False, "off": False}.get(text.lower())


READ = {
    "view": _choice(VIEWS),
    "activation": _choice(activations.ACTIVATIONS),
    "init": _choice(initializers.INITIALIZERS),
    "depth": _integer(*page_settings.DEPTH_RANGE),
    "width": _integer(*page_settings.WIDTH_RANGE),
    "samples": _integer(*page_settings.SAMPLES_RANGE),
    "seed": _integer(*page_settings.SEED_RANGE),
    "bias": _real(*page_settings.BIAS_RANGE),
    "normalize": _flag,
    "batchnorm": _flag,
    "dataset": _choice(tuple(datasets.DATASETS)),
    "optimizer": _choice(tuple(training.OPTIMIZERS)),
    "w2": _choice(tuple(symmetry.W2_CASES)),
    "lr": _real(*page_settings.LR_RANGE),
    "steps": _integer(*page_settings.STEPS_RANGE),
    "eps": _real(*symmetry.EPS_RANGE),
}
# Where each field lives in the page state.
ATTR = {f.name: (f.group, f.attr) for f in links.FIELDS}


def _param_reader(param: initializers.Param):
    return _integer(int(param.low), int(param.high)) if param.integer else _real(param.low, param.high)


# --- the page ---------------------------------------------------------------------------------




def as_the_page_reads_it(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """The query after the trip through the address bar (percent-encoding and back)."""
    back = parse_qs(urlencode(query, doseq=True), keep_blank_values=True)
    return {name: values for name, values in back.items() if name.lower() not in STREAMLIT_KEYS}


def elements(at: AppTest):
    return [node for node in at._tree if hasattr(node, "proto") and node.proto is not None]


def body_of(element) -> str:
    """Every text field of an element's proto (body, label, help, ...), one per line."""
    return "\n".join(value for _, value in element.proto.ListFields() if isinstance(value, str))


def allows_html(element) -> bool:
    if element.type == "html":
        return True
    proto = element.proto
    return any(
        field.name in ("allow_html", "unsafe_allow_html", "unsafe_allow_javascript") and value is True
        for field, value in proto.ListFields()
    )


def escapes(text: str) -> list[bool]:
    """For each character of Markdown ``text``: whether a backslash escapes it."""
    flags, escaped = [], False
    for ch in text:
        flags.append(escaped)
        escaped = not escaped and ch == "\\"
    return flags


def unescaped(text: str, target: str) -> bool:
    """Whether ``target`` occurs in ``text`` with none of its characters escaped by a backslash."""
    flags = escapes(text)
    start = text.find(target)
    while start != -1:
        if not any(flags[start:start + len(target)]):
            return True
        start = text.find(target, start + 1)
    return False


def markup_left_in(body: str, fragment: str) -> bool:
    """Whether ``fragment`` occurs in ``body`` with a ``<`` or a ``](`` of it left unescaped."""
    flags = escapes(body)
    start = body.find(fragment)
    while start != -1:
        for j, ch in enumerate(fragment):
            k = start + j
            if ch == "<" and not flags[k]:
                return True
            if fragment.startswith("](", j) and not flags[k] and not flags[k + 1]:
                return True
        start = body.find(fragment, start + 1)
    return False


def link_notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.proto.icon.startswith(LINK_ICONS)]


def check_widgets_hold_valid_values(at: AppTest) -> None:
    for slider in at.slider:
        assert slider.min <= slider.value <= slider.max, slider.key
    for box in at.number_input:
        assert box.min is None or box.min <= box.value, box.key
        assert box.max is None or box.value <= box.max, box.key
        assert math.isfinite(box.value), box.key
    for select in list(at.selectbox) + list(at.radio):
        assert select.index is not None and 0 <= select.index < len(select.options), select.key
    for select in at.select_slider:
        assert select.value is not None, select.key
    for box in at.checkbox:
        assert isinstance(box.value, bool), box.key


def check_no_html(at: AppTest, query: dict[str, list[str]]) -> None:
    fragments = {text for name, values in query.items() for text in [name, *values] if len(text.strip()) >= 4}
    risky = {text for text in fragments if "<" in text or "](" in text}
    for element in elements(at):
        body = body_of(element)
        if allows_html(element):
            shown = [text for text in fragments if text in body]
            assert not shown, f"{element.type} renders HTML containing link text {shown[:2]!r}"
        for text in risky:
            assert not markup_left_in(body, text), f"{element.type} shows the link's {text!r} unescaped"


def expected_state(query: dict[str, list[str]]):
    """What a link should give: the fields' values it sets, the initializer's parameters, and the
    fragments of notes that must appear (one for every value that is ignored)."""
    last = {name: values[-1].strip() for name, values in query.items()}
    must: list[str] = []
    values = {}
    for name, read in READ.items():
        if name in last:
            value = read(last[name])
            if value is None:
                must.append(f"{name}=“{links.quote(last[name])}” was ignored")
            else:
                values[name] = value
    net = Network()
    init = values.get("init", net.init)
    width = values.get("width", net.width)
    params = initializers.get(init).defaults()
    for param in initializers.get(init).params:
        if param.name in last:
            value = _param_reader(param)(last[param.name])
            if value is None:
                must.append(f"{param.name}=“{links.quote(last[param.name])}” was ignored")
            else:
                params[param.name] = value
    for name in set(last) & set(links.INIT_PARAMS) - set(params):
        must.append(f"{name}= does not apply to the {init} initializer")
    if "nonzero" in params and params["nonzero"] > width:
        must.append(f"each unit gets {width} non-zero weights instead")
        params["nonzero"] = width
    for name, values_given in query.items():
        if name not in links.KNOWN:
            must.append(f"Unknown link parameter “{links.quote(name)}” was ignored")
        elif len(values_given) > 1:
            must.append(f"“{links.quote(name)}” was given more than once")
    if "lesson" in last and last["lesson"] not in LESSONS:
        must.append(f"lesson=“{links.quote(last['lesson'])}” is not a lesson")
    if "compare" in last and not any(init_keys.is_valid(k.strip()) for k in last["compare"].split(",")):
        must.append(f"compare=“{links.quote(last['compare'])}” was ignored")
    return values, params, must


# --- the property -------------------------------------------------------------------------------


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(query=hostile_links())
def test_any_link_renders_with_defaults_and_notes(page, query):
    at = page(query)
    assert not at.exception, [e.value for e in at.exception]
    seen = as_the_page_reads_it(query)
    notes = link_notes(at)
    event(f"link notes: {min(len(notes), 4)}{'+' if len(notes) > 4 else ''}")
    event(f"section: {at.radio(key='view').value} (asked {str(query.get('view'))[:20]})")

    # Every value that was ignored is named in a visible note; the notes are the link's own.
    values, params, must = expected_state(seen)
    for fragment in must:
        assert any(fragment in note for note in notes), (fragment, notes)
    assert notes == links.parse_query(seen, lessons=LESSONS)[1]

    # Nothing from the link is rendered as HTML, and the notes escape what Markdown would read.
    check_no_html(at, query)
    for note in notes:
        assert not unescaped(note, "<") and not unescaped(note, "]("), note

    # The widgets hold valid values, and the page writes a clean link of what it shows.
    check_widgets_hold_valid_values(at)
    out, out_notes = links.parse_query(dict(at.query_params), lessons=LESSONS)
    assert out_notes == []
    if out.lesson or "lesson" in values:
        return  # a lesson's link stands for the lesson's own setting
    sections = at.radio(key="view").options
    for name, (group, attr) in ATTR.items():
        if name not in READ or name == "view":
            continue
        holder = out if not group else getattr(out, group)
        default = {"": PageState(), "network": Network(), "training": Training(), "symmetry": Symmetry()}[group]
        assert getattr(holder, attr) == values.get(name, getattr(default, attr)), name
    assert out.network.params == params
    if "view" in values and VIEWS[values["view"]] in sections:
        assert at.radio(key="view").value == values["view"]


# --- plain cases ----------------------------------------------------------------------------------


def test_script_and_markdown_link_payloads_are_shown_as_text(page):
    payloads = {"activation": "<script>alert(1)</script>", "init": "<img src=x onerror=alert(1)>",
                "depth": "[x](javascript:alert(1))", "<svg onload=alert(1)>": "1"}
    at = page({name: [value] for name, value in (SMALL | payloads).items()})
    assert not at.exception
    notes = link_notes(at)
    assert len(notes) == 4
    for note in notes:
        assert not unescaped(note, "<") and not unescaped(note, "](")
    assert "activation=“\\<script\\>alert\\(1\\)\\</script\\>” was ignored" in notes[1] + notes[2] + notes[3]
    for element in elements(at):
        assert not allows_html(element), element.type
    assert at.selectbox(key="activation").value == "tanh" and at.selectbox(key="init").value == "normal"
    assert at.slider(key="depth").value == Network().depth


def test_an_overflowing_link_shows_the_simulation_cores_message(page):
    link = {"activation": "linear", "init": "constant", "value": "10", "depth": "100", "width": "1000"}
    at = page({name: [value] for name, value in link.items()})
    assert not at.exception
    samples = plan.affordable_samples(100, 1000, Network().samples)
    reference = simulate("linear", "constant", depth=100, width=1000, n_samples=samples, init_params={"value": 10})
    assert reference.overflow_layer is not None
    overflow_note = next(m.text for m in simulation_notes(reference) if "overflowed" in m.text)
    assert overflow_note in [w.value for w in at.warning]
    assert any(f"overflow at layer {reference.overflow_layer}" in e.value for e in at.error)
    assert link_notes(at) == []


@pytest.mark.parametrize("width", ["1", "2"])
def test_sparse_on_the_narrowest_layers_renders(page, width):
    """One unit per layer leaves sparse's "non-zeros per unit" a single possible value."""
    at = page({"init": ["sparse"], "width": [width], "depth": ["3"], "samples": ["10"]})
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["nonzero"] == int(width)
