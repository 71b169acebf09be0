"""The petitions workflow as data (data/petition-workflow.toml) and the due date a petition's events
lead to under its rule: recomputed from the events every time, never stored as the truth."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from ..errors import ConfigError, UsageError
from .calendar import Calendar
from .rules import COMPLEXITIES, Period, Rule, Step, add_period

NEEDS = ("reason", "to", "assignee", "complexity", "result")
ROLES = ("clerk", "leader", "prosecutor", "cli")


class WorkflowError(UsageError):
    """An action the workflow or the law does not allow now; the message says what is allowed."""


@dataclass(frozen=True)
class State:
    key: str
    label: str
    final: bool


@dataclass(frozen=True)
class Transition:
    action: str  # "accept" | "return" | "transfer" | "assign" | "extend" | "resolve" | "classify"
    label: str  # Vietnamese button/verb: "Thụ lý", "Trả lại đơn", ...
    sources: tuple[str, ...]  # states it may start from
    target: str
    needs: tuple[str, ...]  # required fields: "reason", "to", "assignee", "complexity", "result"
    roles: tuple[str, ...]  # "clerk", "leader", "prosecutor" (the assignee only), "cli"


class Workflow:
    def __init__(self, states: dict[str, State], transitions: tuple[Transition, ...]) -> None:
        self.states = states  # in display order
        self.transitions = transitions

    def allowed(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, state: str, action: str) -> Transition:
        if state not in self.states:
            raise WorkflowError(f"no petition state {state!r}; the states are {', '.join(self.states)}")
        for candidate in self.allowed(state):
            if candidate.action == action:
                return candidate
        here = f"{state} ({self.states[state].label})"
        options = self.allowed(state)
        if not options:
            raise WorkflowError(f"{action!r} is not possible: a petition in {here} is closed; no action is allowed")
        listed = ", ".join(f"{t.action} ({t.label})" for t in options)
        raise WorkflowError(f"{action!r} is not possible from {here}; allowed: {listed}")


@cache
def load_workflow() -> Workflow:
    """The packaged petition-workflow.toml, checked: every state named exists, needs and roles are known."""
    name = "petition-workflow.toml (packaged)"
    data = tomllib.loads(
        resources.files("pipeline").joinpath("data/petition-workflow.toml").read_text(encoding="utf-8")
    )
    states = {key: State(key, raw["label"], bool(raw.get("final", False))) for key, raw in data["states"].items()}
    transitions = []
    for raw in data["transitions"]:
        transition = Transition(
            raw["action"],
            raw["label"],
            tuple(raw["sources"]),
            raw["target"],
            tuple(raw.get("needs", [])),
            tuple(raw["roles"]),
        )
        for what, names, known in (
            ("state", {*transition.sources, transition.target}, states),
            ("need", set(transition.needs), NEEDS),
            ("role", set(transition.roles), ROLES),
        ):
            if unknown := names - set(known):
                raise ConfigError(f"{name}: transition {transition.action!r} names unknown {what}s {sorted(unknown)}")
        transitions.append(transition)
    return Workflow(states, tuple(transitions))


@dataclass(frozen=True)
class Event:
    action: str  # "received" | "classified" | a Transition.action | "corrected" | "linked"
    at: date  # the day it took effect
    state: str  # the state after it
    detail: dict = field(default_factory=dict)  # {"complexity": "complex"}, {"remote": True}, {"result": "..."}


@dataclass(frozen=True)
class Due:
    step: str  # the step's label, e.g. "thụ lý"
    date: date
    basis: str


def due_date(rule: Rule, events: list[Event], calendar: Calendar) -> Due | None:
    """The time limit running now and its last day, from the events alone; None once the petition is
    closed or when no limit of its rule runs (an anonymous tố cáo, a step the law does not time)."""
    if not events or load_workflow().states[events[-1].state].final:
        return None
    received = next((e.at for e in events if e.action == "received"), events[0].at)
    accepted = next((e.at for e in reversed(events) if e.action == "accept"), None)
    if accepted is not None and not rule.accepts:
        raise WorkflowError(f"{rule.label}: không thụ lý ({rule.basis})")
    done = {e.action for e in events}
    starts = {"received": received, "accepted": accepted}
    step = next((s for s in rule.steps if starts[s.starts] is not None and s.ends not in done), None)
    if step is None:
        return None
    complexity, remote = _circumstances(events)
    start = starts[step.starts]
    period = step.period_for(complexity, remote)
    end = add_period(start, period, calendar)
    extensions = [e for e in events if e.action == "extend" and e.at >= start]
    if len(extensions) > step.max_extensions(complexity):
        raise WorkflowError(_too_many(rule, step, complexity, len(extensions)))
    for _ in extensions:
        period = step.extension or period
        end = add_period(end, period, calendar)
    if step.rolls(period):
        end = calendar.next_working_day(end)
    return Due(step.label, end, step.basis)


def _circumstances(events: list[Event]) -> tuple[str, bool]:
    """The complexity and remoteness the latest events say ("simple", not remote, until one says otherwise)."""
    complexity, remote = "simple", False
    for event in events:
        if event.detail.get("complexity"):
            complexity = event.detail["complexity"]
            if complexity not in COMPLEXITIES:
                raise WorkflowError(f"complexity {complexity!r} is not one of {', '.join(COMPLEXITIES)}")
        if "remote" in event.detail:
            remote = bool(event.detail["remote"])
    return complexity, remote


def _too_many(rule: Rule, step: Step, complexity: str, asked: int) -> str:
    allowed = step.max_extensions(complexity)
    may = f"may be extended {allowed} time{'s' if allowed != 1 else ''}" if allowed else "may not be extended"
    extension: Period | None = step.extension
    by = f" by up to {extension.amount} {extension.unit.replace('_', ' ')}" if extension and allowed else ""
    return f"{rule.label}: {step.label} of a {complexity.replace('_', ' ')} case {may}{by} ({step.basis}); this would be extension {asked}"


def path(events: list[Event]) -> list[str]:
    """The states a petition went through, in order (a state repeated by a correction counts once)."""
    visited: list[str] = []
    for event in events:
        if not visited or visited[-1] != event.state:
            visited.append(event.state)
    return visited
