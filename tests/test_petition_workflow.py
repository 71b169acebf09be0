"""The petitions workflow as data: which actions each state allows, the message of a wrong one,
where due dates count from, and a petition's path for the diagram."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.errors import ExitCode
from pipeline.petitions.calendar import load_calendar
from pipeline.petitions.rules import load_rules
from pipeline.petitions.workflow import Event, WorkflowError, due_date, load_workflow, path

WORKFLOW = load_workflow()


def actions(state: str) -> list[str]:
    return [t.action for t in WORKFLOW.allowed(state)]


def test_states_in_display_order_and_final_ones():
    assert list(WORKFLOW.states) == [
        "received", "classified", "accepted", "returned", "transferred", "assigned", "extended", "resolved",
    ]  # fmt: skip
    assert {k for k, s in WORKFLOW.states.items() if s.final} == {"returned", "transferred", "resolved"}
    assert WORKFLOW.states["accepted"].label == "Đã thụ lý"


def test_allowed_actions_per_state():
    assert actions("received") == ["classify", "accept", "return", "transfer"]
    assert actions("classified") == ["accept", "return", "transfer"]
    assert actions("accepted") == ["assign", "extend", "resolve"]
    assert actions("assigned") == ["assign", "extend", "resolve"]
    assert actions("extended") == ["assign", "extend", "resolve"]
    for final in ("returned", "transferred", "resolved"):
        assert actions(final) == []


def test_transitions_say_what_they_need_and_who_may_take_them():
    accept = WORKFLOW.transition("classified", "accept")
    assert (accept.label, accept.target, accept.needs) == ("Thụ lý", "accepted", ())
    assert WORKFLOW.transition("received", "return").needs == ("reason",)
    assert WORKFLOW.transition("received", "transfer").needs == ("to",)
    assert WORKFLOW.transition("accepted", "assign").roles == ("leader", "cli")
    assert "prosecutor" in WORKFLOW.transition("assigned", "resolve").roles
    assert WORKFLOW.transition("assigned", "resolve").needs == ("result",)
    assert set(WORKFLOW.transition("accepted", "extend").needs) == {"complexity", "reason"}


def test_a_wrong_action_names_the_allowed_ones():
    with pytest.raises(WorkflowError) as error:
        WORKFLOW.transition("received", "resolve")
    message = str(error.value)
    assert "'resolve' is not possible from received (Tiếp nhận)" in message
    assert "accept (Thụ lý)" in message and "return (Trả lại đơn)" in message and "transfer (Chuyển đơn)" in message
    assert error.value.exit_code == ExitCode.USAGE
    with pytest.raises(WorkflowError, match="closed; no action is allowed"):
        WORKFLOW.transition("resolved", "extend")
    with pytest.raises(WorkflowError, match="no petition state 'nowhere'"):
        WORKFLOW.transition("nowhere", "accept")


def test_every_state_is_reachable_and_every_transition_leaves_an_open_state():
    targets = {"received"} | {t.target for t in WORKFLOW.transitions}
    assert targets == set(WORKFLOW.states)
    for transition in WORKFLOW.transitions:
        assert not any(WORKFLOW.states[s].final for s in transition.sources)


def test_due_counts_from_receipt_then_from_acceptance():
    calendar, rule = load_calendar(), load_rules().rules["khieu_nai"]
    events = [Event("received", date(2025, 3, 3), "received", {})]
    before = due_date(rule, events, calendar)
    assert (before.step, before.date) == ("thụ lý", date(2025, 3, 13))
    events += [
        Event("classify", date(2025, 3, 4), "classified", {}),
        Event("accept", date(2025, 3, 10), "accepted", {}),
        Event("assign", date(2025, 3, 11), "assigned", {"assignee": "ksv1"}),
    ]
    after = due_date(rule, events, calendar)
    assert (after.step, after.date) == ("giải quyết lần đầu", date(2025, 4, 9))
    assert "Luật Khiếu nại 2011, Điều 28" == after.basis
    events.append(Event("resolve", date(2025, 4, 1), "resolved", {"result": "Giữ nguyên quyết định"}))
    assert due_date(rule, events, calendar) is None
    assert path(events) == ["received", "classified", "accepted", "assigned", "resolved"]


def test_no_limit_runs_once_returned_or_after_a_step_the_law_does_not_time():
    calendar, rules = load_calendar(), load_rules().rules
    returned = [
        Event("received", date(2025, 3, 3), "received", {}),
        Event("return", date(2025, 3, 4), "returned", {"reason": "không thuộc thẩm quyền"}),
    ]
    assert due_date(rules["khieu_nai"], returned, calendar) is None
    accepted = [Event("received", date(2025, 3, 3), "received", {}), Event("accept", date(2025, 3, 4), "accepted", {})]
    assert due_date(rules["kien_nghi"], accepted, calendar) is None


def test_path_counts_a_corrected_state_once():
    events = [
        Event("received", date(2025, 3, 3), "received", {}),
        Event("corrected", date(2025, 3, 3), "received", {"petitioner": "Ngô Văn Dũng"}),
        Event("accept", date(2025, 3, 4), "accepted", {}),
        Event("extend", date(2025, 3, 30), "extended", {"complexity": "complex"}),
    ]
    assert path(events) == ["received", "accepted", "extended"]
    assert path([]) == []
