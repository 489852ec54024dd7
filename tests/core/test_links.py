"""Links: every control round-trips through the query string; bad values are ignored with a note."""

import re
from dataclasses import fields, replace

import pytest

from playground import links
from playground.settings import Network, PageState, Symmetry, Training


def test_default_state_round_trips():
    state, notes = links.parse_query(links.default_query())
    assert state == PageState() and notes == []


def test_every_control_is_in_the_link():
    query = links.default_query()
    network_names = {f.name for f in links.FIELDS if f.group == "network"}
    assert {f.name for f in fields(Network)} - {"init_params"} == {
        f.attr for f in links.FIELDS if f.group == "network"
    }
    assert {f.name for f in fields(Training)} == {f.attr for f in links.FIELDS if f.group == "training"}
    assert {f.name for f in fields(Symmetry)} == {f.attr for f in links.FIELDS if f.group == "symmetry"}
    assert network_names | {"view", "std"} <= set(query)


def test_the_issue_example_sets_the_controls():
    state, notes = links.parse_query(
        {"activation": "relu", "init": "he_normal", "depth": "10", "width": "500", "bias": "0.01", "seed": "3"}
    )
    assert notes == []
    assert state.network == Network(
        activation="relu", init="he_normal", init_params=(), depth=10, width=500, bias=0.01, seed=3
    )


@pytest.mark.parametrize(
    "state",
    [
        PageState(
            view="compare",
            network=Network(
                activation="selu", init="sparse", init_params=(("nonzero", 7),), depth=100, width=1000,
                bias=-0.25, samples=130, seed=2**31 - 1, normalize_inputs=False, batch_norm=True,
            ),
            training=Training(compare=("normal:0.5", "he_normal"), dataset="xor", optimizer="gd", lr=0.3, steps=1000),
            symmetry=Symmetry(w2="equal", eps=1e-16),
        ),
        PageState(network=Network(init="normal", init_params=(("std", 0.00141),))),
        PageState(network=Network(init="orthogonal", init_params=(("gain", 1.7),))),
    ],
)
def test_states_round_trip_exactly(state):
    parsed, notes = links.parse_query(links.to_query(state))
    assert notes == [] and parsed == state


@pytest.mark.parametrize(
    "query, field, fragment",
    [
        ({"depth": "0"}, "depth", "outside 1 to 100"),
        ({"depth": "101"}, "depth", "outside 1 to 100"),
        ({"depth": "2.5"}, "depth", "not a whole number"),
        ({"width": "abc"}, "width", "not a number"),
        ({"bias": "nan"}, "bias", "not a finite number"),
        ({"bias": "inf"}, "bias", "not a finite number"),
        ({"samples": "1e400"}, "samples", "not a finite number"),
        ({"activation": "softmax"}, "activation", "not one of linear"),
        ({"normalize": "maybe"}, "normalize", "not true or false"),
        ({"std": "-1"}, "std", "outside 0.001 to 10"),
        ({"seed": ""}, "seed", "not a number"),
        ({"lr": "5"}, "lr", "outside 0.0001 to 1"),
        ({"view": "admin"}, "view", "not one of activations"),
    ],
)
def test_bad_values_fall_back_to_defaults_with_a_note(query, field, fragment):
    state, notes = links.parse_query(query)
    assert len(notes) == 1 and notes[0].startswith(f"{field}=") and fragment in notes[0]
    default = PageState()
    assert replace(state, network=replace(state.network, init_params=default.network.init_params)) == default


def test_unknown_and_repeated_keys_are_noted():
    state, notes = links.parse_query({"foo": "1", "depth": ["3", "7"], "embed": "true"})
    assert state.network.depth == 7
    assert any("Unknown link parameter “foo”" in n for n in notes)
    assert any("“depth” was given more than once" in n for n in notes)
    assert len(notes) == 2  # Streamlit's own embed parameter passes silently


def test_params_of_another_initializer_are_noted():
    state, notes = links.parse_query({"init": "he_normal", "std": "0.1"})
    assert state.network.init_params == () and "does not apply to the he_normal" in notes[0]


def test_sparse_nonzero_is_capped_by_the_width():
    state, notes = links.parse_query({"init": "sparse", "nonzero": "50", "width": "20"})
    assert state.network.params == {"nonzero": 20} and "more than the width 20" in notes[0]


def test_compare_keeps_known_initializers_only():
    state, notes = links.parse_query({"compare": "he_normal,<b>x</b>,normal:0.5,normal:99,he_normal"})
    assert state.training.compare == ("he_normal", "normal:0.5")
    assert "left out" in notes[0] and "<b>" not in notes[0]


def test_notes_escape_markdown_and_html():
    _, notes = links.parse_query({"[click](javascript:alert(1))": "x", "activation": "<script>alert(1)</script>"})
    quoted = [n.split("“")[1].split("”")[0] for n in notes]
    assert quoted[0] == r"\[click\]\(javascript\:alert\(1\)\)"
    assert quoted[1] == r"\<script\>alert\(1\)\</script\>"
    # every Markdown or HTML special character is escaped
    assert not re.search(r"(?<!\\)[<>\[\]()`*_]", "".join(quoted))


def test_long_values_are_shortened():
    _, notes = links.parse_query({"activation": "x" * 10_000})
    assert len(notes[0]) < 200


def test_lessons_are_checked_against_the_given_keys():
    state, notes = links.parse_query({"lesson": "small"}, lessons={"small": None})
    assert state.lesson == "small" and notes == []
    state, notes = links.parse_query({"lesson": "nope"}, lessons={"small": None})
    assert state.lesson == "" and "not a lesson" in notes[0]
