"""The process diagram (sơ đồ quy trình giải quyết đơn): the petitions workflow
(`pipeline.petitions.workflow.load_workflow()`, the very definition the CLI and the register obey)
drawn as SVG by Graphviz's `dot`, with the live number of petitions in each state and, for one
petition, the states and transitions it went through highlighted.

`dot` lays the definition out once: its SVG is kept under `<home>/cache/diagram/<sha256 of the DOT
source>.svg`, so a changed definition is drawn anew and an unchanged one never again. Each node
carries a second line reserved for its count ("00000 đơn"); a request only rewrites those lines and
the colours of the highlighted path in the cached SVG (no layout per request).

Colours are written as SVG attributes, not a <style>: the app's Content-Security-Policy forbids
inline styles, and the same SVG must read alike inline, as /api/v1/petitions/diagram.svg and on paper.
Classes (`state`, `final`, `on-path`, `current`, `move`) name what each element is, for the page's
CSS and for scripts reading the SVG.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ExitCode, Failed
from pipeline.petitions.workflow import Workflow

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
SVG = f"{{{SVG_NS}}}"

DOT_TIMEOUT = 20  # seconds; the workflow's few states take dot milliseconds
COUNT_ROOM = "00000 đơn"  # the width each node keeps for its count line
FONT = "DejaVu Sans"  # the font dot measures with (fonts-dejavu-core); the page shows the same, shipped in web/static

# Colours (SVG attributes): the app's ink and accent; the path in amber, the current state in the accent.
INK, MUTED, PAPER = "#1b1f24", "#5b6470", "#ffffff"
FINAL_FILL = "#eef1f4"
PATH_FILL, PATH_INK = "#fff3cd", "#b35c00"
CURRENT_FILL, CURRENT_INK = "#8b1a1a", "#ffffff"


@dataclass(frozen=True)
class Move:
    """One arrow of the diagram: a transition from one of its source states."""

    id: str
    source: str
    target: str
    action: str
    label: str


def moves(workflow: Workflow) -> list[Move]:
    return [
        Move(f"move-{n}", source, t.target, t.action, t.label)
        for n, (t, source) in enumerate(((t, s) for t in workflow.transitions for s in t.sources), 1)
    ]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def workflow_dot(workflow: Workflow) -> str:
    """The workflow in Graphviz's language: a state per node, an arrow per (transition, source)."""
    lines = [
        "digraph quy_trinh {",
        f'  graph [rankdir=LR, fontname="{FONT}", nodesep=0.3, ranksep=0.45, pad=0.15, bgcolor="transparent"];',
        f'  node [shape=box, style="rounded,filled", fillcolor="{PAPER}", color="{MUTED}", fontcolor="{INK}",'
        f' fontname="{FONT}", fontsize=12, margin="0.14,0.07"];',
        f'  edge [fontname="{FONT}", fontsize=10, color="{MUTED}", fontcolor="{INK}", arrowsize=0.8];',
    ]
    for state in workflow.states.values():
        label = quoted(state.label)[:-1] + "\\n" + COUNT_ROOM + '"'
        extra = f', peripheries=2, fillcolor="{FINAL_FILL}"' if state.final else ""
        classes = "state final" if state.final else "state"
        lines.append(
            f"  {quoted(state.key)} [id={quoted('state-' + state.key)}, class={quoted(classes)}, label={label}{extra}];"
        )
    for move in moves(workflow):
        lines.append(
            f"  {quoted(move.source)} -> {quoted(move.target)} "
            f"[id={quoted(move.id)}, class={quoted('move move-' + move.action)}, label={quoted(move.label)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_LAYOUT = threading.Lock()


def layout(workflow: Workflow, cache_dir: Path) -> str:
    """The workflow's SVG as `dot` draws it, kept under cache_dir/diagram/ by the DOT source's sha256."""
    source = workflow_dot(workflow)
    path = cache_dir / "diagram" / f"{hashlib.sha256(source.encode()).hexdigest()}.svg"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    with _LAYOUT:
        if path.is_file():
            return path.read_text(encoding="utf-8")
        svg = run_dot(source)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        partial.write_text(svg, encoding="utf-8")
        os.replace(partial, path)
    return svg


def run_dot(source: str) -> str:
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, timeout=DOT_TIMEOUT)
    except FileNotFoundError:
        raise Failed(
            "Graphviz is missing: the process diagram needs `dot` (Debian package graphviz, in scripts/install-deps.sh)",
            ExitCode.MISSING_DEPENDENCY,
        ) from None
    except subprocess.TimeoutExpired:
        raise Failed(f"Graphviz did not draw the process diagram within {DOT_TIMEOUT} s", ExitCode.ERROR) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()[:300]
        raise Failed(f"Graphviz could not draw the process diagram: {message}", ExitCode.ERROR)
    return done.stdout.decode()


def taken(path: list[str]) -> set[tuple[str, str]]:
    """The (source, target) steps of a petition's path of states."""
    return set(zip(path, path[1:], strict=False))


def process_svg(
    workflow: Workflow,
    cache_dir: Path,
    counts: dict[str, int],
    *,
    path: list[str] | None = None,
    title: str = "Sơ đồ quy trình giải quyết đơn",
) -> str:
    """The diagram as an <svg> element (no XML prolog: ready to inline, or to serve after `standalone`):
    each state with its count, and `path` (a petition's states, in order; the last is where it is now)
    highlighted with the transitions between them."""
    root = ET.fromstring(layout(workflow, cache_dir))
    for size in ("width", "height"):  # the page's CSS sizes it (viewBox kept); print fits it to A4
        root.attrib.pop(size, None)
    root.set("role", "img")
    root.set("class", "process-diagram" + (" with-path" if path else ""))
    graph = root.find(f"{SVG}g")
    graph_title = graph.find(f"{SVG}title")
    graph_title.text = title
    visited = set(path or ())
    current = path[-1] if path else None
    steps = taken(path or [])
    by_id = {move.id: move for move in moves(workflow)}
    names = workflow.states
    for group in graph.iter(f"{SVG}g"):
        kind = group.get("class", "").split()
        if "state" in kind:
            key = group.get("id").removeprefix("state-")
            state = names[key]
            group.find(f"{SVG}title").text = state.label + (" (kết thúc)" if state.final else "")
            count_line = group.findall(f"{SVG}text")[-1]
            count_line.text = f"{counts.get(key, 0)} đơn"
            marks = ["current"] if key == current else ["on-path"] if key in visited else []
            if marks:
                group.set("class", " ".join(kind + marks))
                paint_state(group, current=key == current)
        elif "move" in kind:
            move = by_id[group.get("id")]
            group.find(f"{SVG}title").text = f"{names[move.source].label} → {names[move.target].label}: {move.label}"
            if (move.source, move.target) in steps:
                group.set("class", " ".join([*kind, "on-path"]))
                paint_move(group)
    return ET.tostring(root, encoding="unicode")


def paint_state(group: ET.Element, *, current: bool) -> None:
    fill, ink = (CURRENT_FILL, CURRENT_INK) if current else (PATH_FILL, INK)
    shapes = [e for e in group if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")]
    for n, shape in enumerate(shapes):
        if n == 0:
            shape.set("fill", fill)
        shape.set("stroke", CURRENT_FILL if current else PATH_INK)
        shape.set("stroke-width", "3" if current else "2")
    for text in group.iter(f"{SVG}text"):  # not bold: dot measured the regular face
        text.set("fill", ink)


def paint_move(group: ET.Element) -> None:
    for shape in group:
        if shape.tag == f"{SVG}path":
            shape.set("stroke", PATH_INK)
            shape.set("stroke-width", "2.5")
        elif shape.tag == f"{SVG}polygon":
            shape.set("stroke", PATH_INK)
            shape.set("fill", PATH_INK)
        elif shape.tag == f"{SVG}text":
            shape.set("fill", PATH_INK)
            shape.set("font-weight", "bold")


def standalone(svg: str) -> str:
    """An <svg> element as a file of its own."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def state_counts(workflow: Workflow, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(key, label, count) of each state, in the workflow's order: the diagram's legend as a table."""
    return [(key, state.label, counts.get(key, 0)) for key, state in workflow.states.items()]
