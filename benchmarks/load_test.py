"""A class at once: websocket sessions of a local server, students following the teacher and explorers.

    python benchmarks/load_test.py                       # a class: 20 students + 10 explorers for 90 s
    python benchmarks/load_test.py --students 0 --explorers 3 --duration 20

Targets (issue 13): 0 errors, rerun p95 <= 3 s, the server's peak memory <= 800 MB.

The students open the teacher's links: every ``--pace`` seconds the next
lesson's link (``?lesson=...``, the same link for all of them, as the teacher
shares it), each within a couple of seconds of the others, then move one
control of it, as a student trying the lesson does.

Starts ``streamlit run streamlit_app.py`` on a free port of 127.0.0.1 (the
server of ``tests/browser.py``) and opens ``--sessions`` websocket clients at
once. Each speaks Streamlit's own protocol, as the browser does: it opens a
link of its own (``?depth=..&width=..&seed=<session>``), then, until the
time is up, changes one control after another (activation, initializer,
depth, width, section, batch norm, seed) and sometimes opens a new link,
waiting a second or so between moves as a person would. Every message goes
to the local server only; the run stops by itself after ``--duration``
seconds (plus at most one ``--timeout`` for the moves still running).

It counts errors: exception boxes in the page, scripts that did not finish
successfully, moves without an answer within ``--timeout``, closed
connections, and tracebacks in the server's log. It reports the latency of
a rerun (control change sent -> the server's "script finished", the moment
the browser shows ``data-test-script-state=notRunning``) as p50, p90, p99 and
max, overall, per section and for first views, and the server's peak
resident memory (sampled with psutil every 0.2 s).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psutil
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from server import streamlit_server  # noqa: E402

# The values a student's moves pick from: the sidebar's settings of the
# lecture's experiments, from tiny to the notes' 10 x 500 and beyond.
DEPTHS = [1, 2, 3, 5, 10, 20, 50]
WIDTHS = [10, 50, 100, 200, 500, 1000]
MOVES = ["activation", "init", "depth", "width", "view", "batchnorm", "seed", "new link"]
MOVE_WEIGHTS = [4, 4, 3, 3, 2, 1, 1, 1]


@dataclass
class Widget:
    id: str
    kind: str  # "selectbox", "slider", "radio", "checkbox", ...
    options: list[str] = field(default_factory=list)


@dataclass
class Record:
    move: str
    view: str  # the section the rerun drew
    seconds: float


class Session:
    """One visitor: a websocket client of the server, speaking Streamlit's protocol."""

    def __init__(self, url: str, timeout: float):
        self.url = url.replace("http", "ws", 1) + "/_stcore/stream"
        self.timeout = timeout
        self.ws: websocket.WebSocket | None = None
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.query = ""
        self.view = "activations"

    def open(self, query: str) -> tuple[float, list[str]]:
        self.close()
        self.ws = websocket.create_connection(self.url, subprotocols=["streamlit"], timeout=self.timeout)
        self.widgets, self.states, self.query = {}, {}, query
        return self._rerun()

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except OSError:
                pass
            self.ws = None

    def set(self, key: str, value) -> tuple[float, list[str]]:
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        if widget.kind in ("selectbox", "radio"):
            state.string_value = value
        elif widget.kind == "slider":
            state.double_array_value.data.append(float(value))
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        elif widget.kind == "number_input":
            state.double_value = float(value)
        else:
            raise ValueError(f"cannot set a {widget.kind}")
        self.states[key] = state
        return self._rerun()

    def _rerun(self) -> tuple[float, list[str]]:
        """Ask for a script run with the current widget states; the seconds until it finished, and errors."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        # Like the browser, send the state of every widget set so far; the others keep theirs.
        current = {w.id for w in self.widgets.values()}
        msg.rerun_script.widget_states.widgets.extend(s for s in self.states.values() if s.id in current or not current)
        start = time.perf_counter()
        self.ws.send_binary(msg.SerializeToString())
        errors: list[str] = []
        widgets: dict[str, Widget] = {}
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(self.ws.recv())
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                etype = element.WhichOneof("type")
                if etype == "exception":
                    errors.append(f"exception box: {element.exception.type}: {element.exception.message[:120]}")
                proto = getattr(element, etype)
                wid = getattr(proto, "id", "") if etype else ""
                if isinstance(wid, str) and wid.startswith("$$ID-"):
                    key = wid.rsplit("-", 1)[-1]
                    widgets[key] = Widget(wid, etype, list(getattr(proto, "options", [])))
            elif kind == "page_info_changed":
                self.query = reply.page_info_changed.query_string
            elif kind == "script_finished":
                status = reply.script_finished
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    errors.append(f"script finished with status {ForwardMsg.ScriptFinishedStatus.Name(status)}")
                break
        seconds = time.perf_counter() - start
        self.widgets = widgets
        self.view = dict(part.split("=", 1) for part in self.query.split("&") if "=" in part).get("view", self.view)
        return seconds, errors


def random_link(rng: random.Random, session: int) -> str:
    return urlencode({
        "depth": rng.choice(DEPTHS[:5]), "width": rng.choice(WIDTHS[:5]),
        "activation": rng.choice(["tanh", "relu", "sigmoid"]), "seed": session * 1000 + rng.randrange(1000),
    })


@dataclass
class Tally:
    """What one simulated user measured; added to the shared results when the user leaves."""

    name: str
    records: list[Record] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, found: list[str]) -> None:
        self.errors.extend(f"{self.name}: {e}" for e in found)


@contextlib.contextmanager
def tallied(name: str, session: Session, args, results: dict, lock: threading.Lock):
    """Yields a Tally; a timeout or a dropped connection ends the user with an error, never the run."""
    tally = Tally(name)
    try:
        yield tally
    except websocket.WebSocketTimeoutException:
        tally.errors.append(f"{name}: no answer within {args.timeout:g} s")
    except (websocket.WebSocketException, OSError) as problem:
        tally.errors.append(f"{name}: connection: {type(problem).__name__}: {problem}")
    finally:
        session.close()
        with lock:
            results["records"].extend(tally.records)
            results["firsts"].extend(tally.firsts)
            results["errors"].extend(tally.errors)


def student(index: int, url: str, args, start: float, deadline: float, results: dict, lock: threading.Lock) -> None:
    """One student: opens each lesson's link when the teacher moves on, then tries one control."""
    from playground.lessons import LESSON_ORDER

    rng = random.Random(args.seed * 104729 + index)
    session = Session(url, args.timeout)
    with tallied(f"student {index}", session, args, results, lock) as tally:
        for step in itertools.count():
            at = start + step * args.pace + rng.uniform(0.0, 2.0)
            if at >= deadline:
                break
            time.sleep(max(0.0, at - time.monotonic()))
            seconds, found = session.open(urlencode({"lesson": LESSON_ORDER[step % len(LESSON_ORDER)]}))
            tally.firsts.append(seconds)
            tally.note(found)
            time.sleep(rng.uniform(*args.think))
            widget = session.widgets.get("activation")
            if widget is not None and time.monotonic() < deadline:
                seconds, found = session.set("activation", rng.choice(widget.options))
                tally.records.append(Record("lesson, activation", session.view, seconds))
                tally.note(found)


def visitor(index: int, url: str, args, deadline: float, results: dict, lock: threading.Lock) -> None:
    rng = random.Random(args.seed * 7919 + index)
    session = Session(url, args.timeout)
    with tallied(f"session {index}", session, args, results, lock) as tally:
        seconds, found = session.open(random_link(rng, index))
        tally.firsts.append(seconds)
        tally.note(found)
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(*args.think))
            if time.monotonic() >= deadline:
                break
            move = rng.choices(MOVES, MOVE_WEIGHTS)[0]
            if move == "new link":
                seconds, found = session.open(random_link(rng, index))
                tally.firsts.append(seconds)
                tally.note(found)
                continue
            widget = session.widgets.get(move)
            if widget is None:
                tally.errors.append(f"session {index}: no {move} control on the page")
                continue
            if widget.kind in ("selectbox", "radio"):
                value = rng.choice(widget.options)
            elif move == "depth":
                value = rng.choice(DEPTHS)
            elif move == "width":
                value = rng.choice(WIDTHS)
            elif move == "batchnorm":
                value = rng.random() < 0.5
            else:  # seed
                value = rng.randrange(2**31 - 1)
            seconds, found = session.set(move, value)
            tally.records.append(Record(move, session.view, seconds))
            tally.note(found)


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    values = sorted(values)
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return (f"n={len(values):>4}  p50 {cuts[49]:6.2f} s  p90 {cuts[89]:6.2f} s  p99 {cuts[98]:6.2f} s  "
            f"max {values[-1]:6.2f} s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20, help="sessions following the teacher's lesson links")
    parser.add_argument("--explorers", type=int, default=10, help="sessions exploring settings of their own")
    parser.add_argument("--pace", type=float, default=9.0, help="seconds between the teacher's lessons")
    parser.add_argument("--duration", type=float, default=90.0, help="seconds the sessions keep moving controls")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds a move may take before it is an error")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), help="pause between moves, min max (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="environment of the server, e.g. OPENBLAS_NUM_THREADS=1 PLAYGROUND_THREADS=1")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    env = dict(item.split("=", 1) for item in args.env)

    with streamlit_server(env=env) as running:
        url, process = running.url, running.process
        server = psutil.Process(process.pid)
        idle_mb = server.memory_info().rss / 2**20
        peak = {"rss": idle_mb}
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                try:
                    rss = sum(p.memory_info().rss for p in [server, *server.children(recursive=True)])
                except psutil.Error:
                    break
                peak["rss"] = max(peak["rss"], rss / 2**20)
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results: dict = {"records": [], "firsts": [], "errors": []}
        lock = threading.Lock()
        load_before = os.getloadavg()[0]
        start = time.monotonic()
        deadline = start + args.duration
        threads = [
            threading.Thread(target=visitor, args=(i, url, args, deadline, results, lock), daemon=True)
            for i in range(args.explorers)
        ] + [
            threading.Thread(target=student, args=(i, url, args, start, deadline, results, lock), daemon=True)
            for i in range(args.students)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + args.timeout + 30)
        stuck = sum(thread.is_alive() for thread in threads)
        elapsed = time.monotonic() - start
        sampling.set()
        sampler.join(timeout=5)
        end_mb = server.memory_info().rss / 2**20
        log = running.output().splitlines()

    tracebacks = [line for line in log if "Traceback" in line or "Uncaught app" in line]
    errors = results["errors"] + [f"server log: {line.strip()}" for line in tracebacks]
    errors += [f"{stuck} session(s) still running at the end"] if stuck else []
    records: list[Record] = results["records"]

    print(f"{args.students} students and {args.explorers} explorers at once for {args.duration:g} s "
          f"(ran {elapsed:.0f} s) on {url}; server environment {env or 'as is'}; "
          f"{os.cpu_count()} CPUs, load average {load_before:.2f} before")
    print(f"moves: {len(records)} control changes, {len(results['firsts'])} page opens; "
          f"think time {args.think[0]:g}-{args.think[1]:g} s")
    print(f"errors: {len(errors)}")
    for line, count in Counter(errors).most_common(10):
        print(f"  {count} x {line}")
    print("rerun latency (control change -> script finished):")
    print(f"  all              {percentiles([r.seconds for r in records])}")
    everything = sorted([r.seconds for r in records] + results["firsts"])
    if len(everything) > 1:
        p95 = statistics.quantiles(everything, n=100, method="inclusive")[94]
        print(f"  every run, opens included: p95 {p95:.2f} s (target <= 3 s)")
    by_view: dict[str, list[float]] = defaultdict(list)
    for record in records:
        by_view[record.view].append(record.seconds)
    for view, values in sorted(by_view.items()):
        print(f"  {view:<16} {percentiles(values)}")
    print(f"  first view       {percentiles(results['firsts'])}")
    print(f"server memory: idle {idle_mb:.0f} MB, peak {peak['rss']:.0f} MB, at the end {end_mb:.0f} MB (RSS)")


if __name__ == "__main__":
    main()
