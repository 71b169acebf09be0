"""The petitions' time limits from the rule table, at the edges: weekends and Tết for working-day
rules, month periods (31 January + 1 month) and leap years, extensions, remote areas, anonymous
denunciations, and an admin's rule and holiday files."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.errors import ConfigError
from pipeline.petitions import PETITION_TYPES
from pipeline.petitions.calendar import load_calendar
from pipeline.petitions.rules import Period, add_period, load_rules
from pipeline.petitions.workflow import Event, WorkflowError, due_date

CALENDAR = load_calendar()
RULES = load_rules()


def received(day: date, **detail) -> Event:
    return Event("received", day, "received", detail)


def accepted(day: date, **detail) -> Event:
    return Event("accept", day, "accepted", detail)


def extended(day: date, complexity: str) -> Event:
    return Event("extend", day, "extended", {"complexity": complexity, "reason": "cần xác minh thêm"})


def due(rule_key: str, *events: Event) -> date:
    found = due_date(RULES.rules[rule_key], list(events), CALENDAR)
    assert found is not None
    return found.date


def test_working_days_skip_the_weekend():
    # Tố cáo received Thursday 13 March 2025: 7 working days pass two weekends.
    assert due("to_cao", received(date(2025, 3, 13))) == date(2025, 3, 24)


def test_working_days_skip_tet():
    # Received Monday 20 January 2025; Tết Ất Tỵ (25 January – 2 February) is off.
    found = due_date(RULES.rules["to_cao"], [received(date(2025, 1, 20))], CALENDAR)
    assert found.date == date(2025, 2, 5)
    assert found.step == "xử lý ban đầu, thụ lý" and "Điều 24" in found.basis


def test_a_day_period_ending_on_a_saturday_ends_on_monday():
    # Khiếu nại received Wednesday 5 March 2025: day 10 is Saturday 15 March (BLDS Điều 148.5).
    assert due("khieu_nai", received(date(2025, 3, 5))) == date(2025, 3, 17)


def test_a_day_period_ending_in_tet_ends_on_the_first_working_day_after():
    assert due("khieu_nai", received(date(2025, 1, 17))) == date(2025, 2, 3)


def test_thirty_one_january_plus_a_month():
    month = Period(1, "months")
    assert add_period(date(2024, 1, 31), month, CALENDAR) == date(2024, 2, 29)  # leap year
    assert add_period(date(2023, 1, 31), month, CALENDAR) == date(2023, 2, 28)
    assert add_period(date(2024, 2, 29), Period(12, "months"), CALENDAR) == date(2025, 2, 28)
    assert add_period(date(2024, 3, 31), Period(11, "months"), CALENDAR) == date(2025, 2, 28)


def test_leap_day_counts_as_a_day():
    assert add_period(date(2024, 2, 20), Period(10, "days"), CALENDAR) == date(2024, 3, 1)
    assert add_period(date(2023, 2, 20), Period(10, "days"), CALENDAR) == date(2023, 3, 2)


def test_criminal_procedure_month_period_ending_on_a_holiday_rolls():
    # A complex tin báo: 2 months from 2 July 2025 end on Quốc khánh, 2 September (BLTTHS Điều 134).
    assert due("tin_bao", received(date(2025, 7, 2), complexity="complex")) == date(2025, 9, 3)


def test_criminal_procedure_day_period_ends_on_its_last_day():
    # BLTTHS Điều 134 moves only a month period off a day off: 20 days from 7 January 2025 end in Tết.
    assert due("tin_bao", received(date(2025, 1, 7))) == date(2025, 1, 27)


def test_tin_bao_extended_once_then_refused():
    events = [received(date(2025, 3, 3)), accepted(date(2025, 3, 4), complexity="complex")]
    assert due("tin_bao", *events) == date(2025, 5, 5)  # 3 May is a Saturday
    events.append(extended(date(2025, 4, 28), "complex"))
    assert due("tin_bao", *events) == date(2025, 7, 3)
    events.append(extended(date(2025, 6, 30), "complex"))
    with pytest.raises(WorkflowError, match=r"may be extended 1 time .*Điều 147.*extension 2"):
        due("tin_bao", *events)


def test_to_cao_extensions_once_twice_and_a_third_refused():
    events = [received(date(2025, 2, 24)), accepted(date(2025, 3, 3))]
    assert due("to_cao", *events) == date(2025, 4, 2)
    with pytest.raises(WorkflowError, match="may not be extended"):
        due("to_cao", *events, extended(date(2025, 3, 30), "simple"))
    complex_once = [*events, extended(date(2025, 3, 30), "complex")]
    assert due("to_cao", *complex_once) == date(2025, 5, 5)  # 2 May 2025 is a swapped day off
    with pytest.raises(WorkflowError, match="may be extended 1 time by up to 30 days"):
        due("to_cao", *complex_once, extended(date(2025, 4, 30), "complex"))
    twice = [
        *events,
        extended(date(2025, 3, 30), "especially_complex"),
        extended(date(2025, 4, 30), "especially_complex"),
    ]
    assert due("to_cao", *twice) == date(2025, 6, 2)  # day 30 is Sunday 1 June
    with pytest.raises(WorkflowError, match=r"may be extended 2 times .*Luật Tố cáo 2018, Điều 30.*extension 3"):
        due("to_cao", *twice, extended(date(2025, 5, 30), "especially_complex"))


def test_khieu_nai_complex_and_remote_periods():
    start = [received(date(2025, 2, 24)), accepted(date(2025, 3, 3))]
    assert due("khieu_nai", *start) == date(2025, 4, 2)
    assert due(
        "khieu_nai", *start, Event("corrected", date(2025, 3, 5), "accepted", {"complexity": "complex"})
    ) == date(2025, 4, 17)
    remote = [received(date(2025, 2, 24), remote=True), accepted(date(2025, 3, 3))]
    assert due("khieu_nai", *remote) == date(2025, 4, 17)
    assert due("khieu_nai", *remote[:1], accepted(date(2025, 3, 3), complexity="complex")) == date(2025, 5, 5)


def test_anonymous_to_cao_is_not_accepted():
    rule = RULES.rule_for("don_to_cao", anonymous=True)
    assert rule.key == "to_cao_nac_danh" and not rule.accepts and "Điều 25" in rule.basis
    assert due_date(rule, [received(date(2025, 3, 3))], CALENDAR) is None
    with pytest.raises(WorkflowError, match="không thụ lý .*Điều 25"):
        due_date(rule, [received(date(2025, 3, 3)), accepted(date(2025, 3, 4))], CALENDAR)
    assert RULES.rule_for("don_to_cao").key == "to_cao"


def test_complaints_in_criminal_proceedings_follow_the_code():
    rule = RULES.rule_for("don_khieu_nai", in_proceedings=True)
    assert rule.key == "khieu_nai_to_tung"
    events = [received(date(2025, 3, 3)), accepted(date(2025, 3, 5))]
    found = due_date(rule, events, CALENDAR)
    assert found.date == date(2025, 3, 10) and "Điều 476" in found.basis  # 7 days from receipt
    assert RULES.rule_for("don_to_cao", in_proceedings=True).key == "to_cao_to_tung"
    assert RULES.rule_for("tin_bao_toi_pham", in_proceedings=True).key == "tin_bao"


def test_every_petition_type_has_a_rule():
    for doc_type in PETITION_TYPES:
        assert RULES.rule_for(doc_type).types


def test_every_packaged_rule_cites_its_clause():
    for rule in RULES.rules.values():
        cited = rule.steps or [rule]
        for item in cited:
            assert item.basis.strip() and item.quote.strip() and isinstance(item.verified, bool), rule.key
            assert not item.verified or item.source.startswith("http"), rule.key
        for step in rule.steps:
            assert step.counting.basis and step.counting.quote, rule.key


def test_an_admin_file_replaces_one_rule_and_keeps_the_others(tmp_path):
    own = tmp_path / "rules.toml"
    own.write_text(
        """
[rules.kien_nghi]
label = "Kiến nghị (quy chế của đơn vị)"
types = ["don_kien_nghi", "don_de_nghi"]
[[rules.kien_nghi.steps]]
key = "giai_quyet"
label = "giải quyết kiến nghị"
starts = "received"
period = { amount = 15, unit = "working_days" }
counting = "blds"
basis = "Quy chế của đơn vị, Điều 9"
quote = "Trong thời hạn 15 ngày làm việc ..."
verified = false
""",
        encoding="utf-8",
    )
    book = load_rules(own)
    assert book.rules["kien_nghi"].steps[0].period == Period(15, "working_days")
    assert book.rules["khieu_nai"] == RULES.rules["khieu_nai"]
    assert set(book.rules) == set(RULES.rules)


@pytest.mark.parametrize("missing", ["basis", "quote"])
def test_a_rule_without_its_basis_or_quote_is_refused(tmp_path, missing):
    fields = {"basis": 'basis = "Luật X, Điều 1"', "quote": 'quote = "..."'}
    del fields[missing]
    own = tmp_path / "rules.toml"
    own.write_text(
        '[rules.khieu_nai]\nlabel = "Khiếu nại"\ntypes = ["don_khieu_nai"]\n[[rules.khieu_nai.steps]]\n'
        'key = "thu_ly"\nlabel = "thụ lý"\nstarts = "received"\nperiod = { amount = 5, unit = "days" }\n'
        f'counting = "blds"\nverified = false\n{chr(10).join(fields.values())}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_rules(own)
    message = str(error.value)
    assert str(own) in message and "'khieu_nai'" in message and f"has no {missing}" in message
    assert "legal basis (law, article, clause)" in message


def test_a_rule_not_saying_whether_it_was_checked_is_refused(tmp_path):
    own = tmp_path / "rules.toml"
    own.write_text('[counting.blds]\nbasis = "BLDS"\nquote = "..."\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="verified = true .* or verified = false"):
        load_rules(own)


def test_an_admin_holiday_file_adds_a_day(tmp_path):
    own = tmp_path / "holidays.toml"
    own.write_text("[years.2025]\ndays_off = [2025-03-14]\n", encoding="utf-8")
    calendar = load_calendar(own)
    assert not calendar.is_working_day(date(2025, 3, 14))
    assert calendar.add_working_days(date(2025, 3, 13), 7) == date(2025, 3, 25)
    assert not calendar.is_working_day(date(2025, 1, 27))  # the packaged Tết stays
    assert calendar.years[2025].checked


def test_the_calendar_covers_2020_to_2027():
    for year in range(2020, 2028):
        entry = CALENDAR.years[year]
        assert entry.lunar_new_year.year == year and entry.hung_kings.month == 4
        assert not CALENDAR.is_working_day(entry.lunar_new_year)
        assert not CALENDAR.is_working_day(date(year, 9, 2)) and not CALENDAR.is_working_day(date(year, 1, 1))
    assert CALENDAR.is_working_day(date(2025, 4, 26))  # a Saturday worked for 2 May
    assert not CALENDAR.is_working_day(date(2030, 4, 30))  # solar holidays in any year


def test_a_bad_holiday_entry_is_refused(tmp_path):
    own = tmp_path / "holidays.toml"
    own.write_text('[years.2028]\ndays_off = ["soon"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[years.2028\] has 'soon'"):
        load_calendar(own)
