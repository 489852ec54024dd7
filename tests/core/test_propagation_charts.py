"""The signal-propagation charts: they serialize, with titles, axis titles, tooltips, small data and the selection."""

import json
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from playground import propagation as prop
from playground.charts import propagation as charts
from playground.charts.common import short_numbers

W2, B2 = np.linspace(0.075, 4.5, 60), np.linspace(0.0, 0.2925, 40)


@pytest.fixture(scope="module")
def tanh_grid():
    return prop.phase_diagram("tanh", W2, B2), prop.critical_line("tanh", B2)


def arrow_bytes(chart) -> int:
    """What Streamlit sends of a chart's data: each distinct DataFrame, dtypes kept, as an Arrow stream.

    Streamlit names a dataset by the hash of its bytes, so layers sharing a frame send it once.
    """
    sent = set()
    for part in getattr(chart, "layer", [chart]):
        if isinstance(part.data, pd.DataFrame):
            table = pa.Table.from_pandas(part.data)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            sent.add(sink.getvalue().to_pybytes())
    return sum(len(data) for data in sent)


def walk(spec, key):
    """Every value under ``key`` anywhere in a Vega-Lite spec."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(spec, list):
        for item in spec:
            yield from walk(item, key)


def check_conventions(spec: dict, most_rows: int) -> None:
    assert spec["title"]["anchor"] == "start" and spec["title"]["text"]
    assert list(walk(spec, "tooltip")), "no tooltips"
    for encoding in walk(spec, "encoding"):
        for channel in ("x", "y"):
            if channel in encoding and "field" in encoding[channel]:
                assert encoding[channel].get("title"), f"untitled {channel} axis"
    rows = [len(v) for v in spec.get("datasets", {}).values()]
    assert rows and max(rows) <= most_rows
    json.dumps(spec)  # plain JSON: no NaN or inf left in


def test_phase_diagram_chart_is_clickable_and_small(tanh_grid):
    grid, line = tanh_grid
    chart = charts.phase_diagram_chart(grid, line, (1.76, 0.05))
    spec = chart.to_dict()
    check_conventions(spec, most_rows=len(grid))
    selections = [p for p in walk(spec, "params") for p in p if p.get("name") == charts.PHASE_SELECTION]
    assert len(selections) == 1
    select = selections[0]["select"]
    assert select["type"] == "point" and select["fields"] == ["sigma_w2", "sigma_b2"] and select["on"] == "click"
    # The selection's fields are the grid's own float64 values, so that a click maps back to a cell exactly.
    cells = charts.phase_cells(grid)
    assert cells["sigma_w2"].dtype == np.float64 and set(cells["sigma_w2"]) == set(grid["sigma_w2"])
    # 2400 cells, their tooltip's text included: what Streamlit sends as Arrow stays near 185 KB.
    assert arrow_bytes(chart) < 200_000
    assert max(len(v) for v in spec["datasets"].values()) == 2400


def test_phase_cells_clip_infinite_depth_scales_and_flag_the_degenerate_ones(tanh_grid):
    grid, _ = tanh_grid
    cells = charts.phase_cells(grid)
    assert np.nanmax(cells["xi_shown"]) <= charts.XI_CLIP
    infinite = np.isinf(grid["xi_c"].to_numpy())
    assert infinite.any() and (cells["xi_note"][infinite] == "∞").all()
    # tanh at sigma_b = 0 below sigma_w^2 = 1: the signal dies, drawn in its own colour, not the top of the scale.
    dying = (grid["sigma_b2"] == 0) & (grid["sigma_w2"] < 1)
    assert (cells["flat"][dying.to_numpy()] == charts.FLAT_COLORS["vanishing"]).all()
    assert (cells["flat"][(grid["phase"] == "chaotic").to_numpy()] == "").all()
    # every cell reaches a little into its neighbour: no seams, and no gaps
    order = np.argsort(grid["sigma_w2"].to_numpy(), kind="stable")
    assert (cells["sigma_w2_high"].to_numpy()[order][:-1] >= cells["sigma_w2_low"].to_numpy()[order][1:]).all()


def test_phase_tooltip_shows_each_cells_own_numbers_as_text(tanh_grid):
    grid, critical = tanh_grid
    cells = charts.phase_cells(grid)
    spec = charts.phase_diagram_chart(grid, critical, (1.5, 0.1)).to_dict()
    (tooltip,) = [layer["mark"]["tooltip"]["expr"] for layer in spec["layer"] if "tooltip" in layer["mark"]]
    for title, column in charts.PHASE_TOOLTIP.items():
        assert f'"{title}": datum["{column}"]' in tooltip and column in cells.columns
    # Against Python's own formatting of the grid's values, cell by cell.
    for row in (0, 1000, 2399):
        for name in ("sigma_w2", "q_star", "chi1", "c_star"):
            value = float(grid[name].iloc[row])
            mantissa, _, exponent = f"{value:.3g}".partition("e")
            expected = "∞" if math.isinf(value) else mantissa + (f"e{int(exponent)}" if exponent else "")
            assert cells[f"{name}_text"].iloc[row] == expected.replace("-", "−")
    dead = (grid["sigma_b2"] == 0) & (grid["sigma_w2"] < 1)
    assert (cells["q_star_text"][dead.to_numpy()] == "0").all()


def test_short_numbers_keep_three_digits_and_name_the_infinite_and_undefined():
    values = [1234.5, 1.2345e-5, 1.0, 0.5, 2e10, math.nan, math.inf, -math.inf, 0.0, -0.25, -3e-7]
    assert short_numbers(values) == ["1.23e3", "1.23e−5", "1", "0.5", "2e10", "undefined", "∞", "−∞", "0", "−0.25",
                                     "−3e−7"]
    assert short_numbers([3.14159], digits=5) == ["3.1416"]
    # Repeated values, in any order, each in its place; -0.0 keeps its sign.
    repeated = pd.Series([2.0, math.nan, 1.0, 2.0, -0.0, math.nan, 0.0, 1.0])
    assert short_numbers(repeated) == ["2", "undefined", "1", "2", "−0", "undefined", "0", "1"]


def test_relu_critical_point_is_drawn_although_it_is_a_single_point():
    line = prop.critical_line("relu", B2)
    assert line["sigma_w2"].notna().sum() == 1
    spec = charts.phase_diagram_chart(prop.phase_diagram("relu", W2, B2), line, (2.0, 0.0)).to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    assert any(isinstance(m, dict) and m.get("type") == "line" and m.get("point") for m in marks)


@pytest.fixture(scope="module")
def pair():
    initializer, params = prop.weights_at("Gaussian", 4.0, 100)
    return prop.propagate_pair("tanh", initializer, depth=25, width=100, c0=0.9, bias_std=math.sqrt(0.05),
                               init_params=params), prop.phase_point("tanh", 4.0, 0.05)


def test_pair_charts_show_measured_and_theory_with_the_fixed_points(pair):
    frame, point = pair
    for chart in (charts.correlation_chart(frame, c_star=point.c_star),
                  charts.length_chart(frame, q_star=point.q_star)):
        spec = chart.to_dict()
        check_conventions(spec, most_rows=2 * len(frame))
        data = [rows for rows in spec["datasets"].values() if len(rows) > 1][0]
        assert {row["source"] for row in data} == {"measured", charts.MEAN_FIELD}
        assert any(len(rows) == 1 for rows in spec["datasets"].values())  # the rule at c* or q*


def test_length_chart_leaves_out_an_infinite_fixed_point():
    initializer, params = prop.weights_at("Gaussian", 3.0, 50)
    frame = prop.propagate_pair("relu", initializer, depth=5, width=50, c0=0.5, init_params=params)
    for q_star in (math.inf, 0.0):
        spec = charts.length_chart(frame, q_star=q_star).to_dict()
        # No rule, and no empty layer (Vega warns of an infinite extent for one).
        assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line"]
        assert all(len(rows) > 0 for rows in spec["datasets"].values()) and json.dumps(spec)


def test_spectrum_chart_bins_on_a_log_axis_with_one_small_facet():
    w2, b2 = 1.05, 2.01e-5
    q0 = (prop.fixed_point("tanh", w2, b2) - b2) / w2
    spectra = prop.spectrum_comparison("tanh", w2, b2, layers=[8, 32], width=64, q0=q0)
    histogram = prop.singular_value_histogram(spectra)
    spec = charts.spectrum_chart(histogram).to_dict()
    check_conventions(spec, most_rows=2 * 2 * 30)
    assert spec["facet"]["column"]["field"] == "layer"
    assert spec["spec"]["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["spec"]["encoding"]["color"]["field"] == "weights"
    assert len(histogram) == 2 * 2 * 30 and set(histogram["weights"]) == {"Gaussian", "orthogonal"}


@pytest.mark.parametrize("activation,bias", [("tanh", 0.0), ("relu", -1.0)])  # ReLU's has cells without a xi_c
def test_phase_cells_carry_one_expression_per_cell(activation, bias):
    # Streamlit's Vega evaluates expressions with an interpreter: per-cell conditions and ARIA descriptions over
    # 2400 cells were most of the diagram's cost in the browser. The reference is the Vega that Vega-Lite compiles
    # the chart to: the cells' marks test nothing as they draw, and their one validity filter keeps every cell
    # (a flat one too, transparent, so that it stays clickable).
    vl_convert = pytest.importorskip("vl_convert")
    grid = prop.phase_diagram(activation, prop.PAGE_SIGMA_W2, prop.PAGE_SIGMA_B2, bias=bias)
    critical = prop.critical_line_in(grid, activation, bias=bias)
    spec = charts.phase_diagram_chart(grid, critical, (1.5, 0.1)).to_dict()
    rects = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert len(rects) == 2
    for layer in rects:
        assert layer["mark"]["aria"] is False and "transform" not in layer
    cells = next(layer for layer in rects if "tooltip" in layer["mark"])
    # The tooltip reads text made in pandas: no format call per cell.
    assert "format" not in cells["mark"]["tooltip"]["expr"] and "tooltip" not in cells["encoding"]
    vega = vl_convert.vegalite_to_vega(spec, vl_version="6.4")
    marks = next(mark for mark in vega["marks"] if mark["name"] == "cells_marks")
    update = marks["encode"]["update"]
    assert not [channel for channel, rule in update.items() if isinstance(rule, list)]
    assert not re.search(r"\w\(", update["tooltip"]["signal"])  # field lookups, no function call
    source = next(data for data in vega["data"] if data["name"] == marks["from"]["data"])
    filters = [step["expr"] for step in source.get("transform", []) if step["type"] == "filter"]
    assert len(filters) == 1
    data = pd.DataFrame(spec["datasets"][cells["data"]["name"]])
    assert len(data) == len(grid) == 2400 and (data["alpha"] == 0).any()
    for field in set(re.findall(r'datum\["(\w+)"\]', filters[0])):
        assert np.isfinite(data[field].astype(float)).all(), field
    shown = data["xi_shown"].astype(float)
    assert (shown > 0).all() and (shown <= charts.XI_CLIP).all()
