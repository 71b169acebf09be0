"""`hoso petitions ...`: the petitions register (sổ thụ lý đơn, issue 14) — list, show, the workflow's
actions, a clerk's corrections and links, and the monthly report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ingest.audit import parse_day
from ingest.petitions import PetitionFilter, write_report_csv, write_report_xlsx

from .context import access, emit_json, out

app = typer.Typer(help="The petitions register (sổ thụ lý đơn): petitions and crime reports, their deadlines.")
JSON = typer.Option(False, "--json", help="Print one JSON object on stdout.")
ID = typer.Argument(..., help="A petition id, or its first characters (5 at least).")
# The workflow's actions a command line takes (pipeline/data/petition-workflow.toml).
ACTIONS = ("classify", "accept", "return", "transfer", "assign", "extend", "resolve")


@app.command("list")
def list_(
    overdue: bool = typer.Option(False, "--overdue", help="Only petitions past their due date."),
    due_within: int | None = typer.Option(
        None, "--due-within", metavar="DAYS", min=0, help="Only petitions due from today through DAYS ahead."
    ),
    type_: str | None = typer.Option(None, "--type", help="A petition type (don_khieu_nai, don_to_cao, ...)."),
    status: str | None = typer.Option(None, "--status", help="A workflow state (received, accepted, ...)."),
    assignee: str | None = typer.Option(None, "--assignee", help="The account it is assigned to."),
    case: str | None = typer.Option(None, "--case", help="Linked to this case."),
    q: str | None = typer.Option(None, "--q", help="Words of the petitioner, address, subject or reference."),
    json_out: bool = JSON,
) -> None:
    """The register, oldest received first: due dates, overdue ones marked."""
    where = PetitionFilter(
        overdue=overdue, due_within=due_within, type=type_, status=status, assignee=assignee, case_id=case, q=q
    )
    with access(need_backend=False, reading=True) as acc:
        data = acc.petitions(where)
    if json_out:
        emit_json(data)
        return
    for p in data["petitions"]:
        out.print(_line(p), highlight=False, markup=False, soft_wrap=True)
    out.print(f"{len(data['petitions'])} petitions")


@app.command()
def show(petition: str = ID, json_out: bool = JSON) -> None:
    """One petition: its facts, documents, events (who, when, why), due date and the actions open now."""
    with access(need_backend=False, reading=True) as acc:
        data = acc.petition(petition)
    if json_out:
        emit_json(data)
    else:
        _print_petition(data)


def _line(p: dict) -> str:
    """One petition on one line: id, type, petitioner, received, reference and case, state, due, review."""
    due = p["due"]
    parts = [
        p["id"],
        p["type"],
        p["petitioner"] or ("(nặc danh)" if p["anonymous"] else "?"),
        "nhận " + " ".join(filter(None, [p["received"]["number"], p["received"]["date"]])),
        f"→ {p['case_id'] or p['refers_to'] or '—'}"
        + ("" if p["case_id"] or not p["refers_to"] else " (chưa liên kết)"),
        p["status"] + (f" · {p['assignee']}" if p["assignee"] else ""),
    ]
    if due:
        parts.append(f"hạn {due['step']} {due['date']}" + (" QUÁ HẠN" if p["overdue"] else ""))
    if p["review"]:
        parts.append(f"[{', '.join(p['review'])}]")
    return "  ".join(parts)


def _print_petition(p: dict) -> None:
    say = lambda text: out.print(text, highlight=False, markup=False, soft_wrap=True)  # noqa: E731
    say(f"{p['id']}  {p['type']}  [{p['status']}]" + (f"  phân công: {p['assignee']}" if p["assignee"] else ""))
    say(f"người gửi: {p['petitioner'] or ('(nặc danh)' if p['anonymous'] else '?')}  {p['address'] or ''}")
    say(f"tiếp nhận: số {p['received']['number'] or '?'} ngày {p['received']['date']}")
    say(f"nội dung: {p['about'] or ''}")
    say(f"liên quan: {p['refers_to'] or '—'}  vụ án: {p['case_id'] or '—'}")
    if p["repeat_of"]:
        say(f"đơn trùng: {p['repeat_of']}")
    if p["due"]:
        late = "  QUÁ HẠN" if p["overdue"] else ""
        say(f"hạn {p['due']['step']}: {p['due']['date']}{late} ({p['due']['basis']})")
    if p["review"]:
        say(f"cần xem lại: {', '.join(p['review'])}")
    for doc in p["documents"]:
        say(f"  {doc['role']:<10} {doc['id']} {doc['type']} {doc['pages']} pages")
    for source in p["sources"]:
        say(f"  scan {source['file']} pages {source['pages'][0]}-{source['pages'][1]}")
    for e in p["events"]:
        why = f" — {e['reason']}" if e["reason"] else ""
        detail = " ".join(f"{k}={v}" for k, v in e["detail"].items())
        say(f"  {e['at']}  {e['action']:<11} → {e['state']:<12} {e['actor']}{why} {detail}".rstrip())
    if p["actions"]:
        say("actions: " + ", ".join(f"{a['action']} ({a['label']})" for a in p["actions"]))


def _action_command(action: str):
    def command(
        petition: str = ID,
        at: str | None = typer.Option(None, "--at", metavar="DAY", help="The day it took effect (default today)."),
        reason: str | None = typer.Option(None, "--reason", help="Why (returning, extending, ...)."),
        to: str | None = typer.Option(None, "--to", help="The body a petition is transferred to."),
        assignee: str | None = typer.Option(None, "--assignee", help="The account (a prosecutor) it is assigned to."),
        complexity: str | None = typer.Option(
            None, "--complexity", help="simple, complex or especially_complex (the law's longer periods)."
        ),
        remote: bool | None = typer.Option(None, "--remote/--not-remote", help="A remote area (longer periods)."),
        result: str | None = typer.Option(None, "--result", help="How it was resolved."),
        json_out: bool = JSON,
    ) -> None:
        with access(need_backend=False) as acc:
            data = acc.petition_act(
                petition,
                action,
                at=parse_day(at) if at else None,
                reason=reason,
                to=to,
                assignee=assignee,
                complexity=complexity,
                remote=remote,
                result=result,
            )
        if json_out:
            emit_json(data)
        else:
            _print_petition(data)

    command.__doc__ = f"{action.capitalize()} a petition (the workflow's `{action}`); its due date follows."
    return command


for _action in ACTIONS:
    app.command(_action)(_action_command(_action))


@app.command("set")
def set_(
    petition: str = ID,
    petitioner: str | None = typer.Option(None, "--petitioner", help="Name ('' clears it)."),
    address: str | None = typer.Option(None, "--address"),
    refers_to: str | None = typer.Option(None, "--refers-to", help="A case id or a decision number, as written."),
    received_number: str | None = typer.Option(None, "--received-number", help="The incoming-register number."),
    received_date: str | None = typer.Option(None, "--received-date", help="YYYY-MM-DD or dd/mm/yyyy."),
    type_: str | None = typer.Option(None, "--type", help="A petition type."),
    json_out: bool = JSON,
) -> None:
    """Correct what was read of a petition; each change is an event and an audit row."""
    given = {
        "petitioner": petitioner,
        "address": address,
        "refers_to": refers_to,
        "received_number": received_number,
        "received_date": received_date,
        "type": type_,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    if not fields:
        raise typer.BadParameter("say what to set: --petitioner, --address, --refers-to, --received-number, ...")
    _correct(petition, fields, json_out)


@app.command()
def link(
    petition: str = ID,
    case: str | None = typer.Argument(None, help="The case it concerns (one the catalog holds)."),
    unlink: bool = typer.Option(False, "--unlink", help="Take the petition's link to a case away."),
    json_out: bool = JSON,
) -> None:
    """Link a petition to a case (shown with the case, never inside its dossier), or --unlink it."""
    if unlink == (case is not None):
        raise typer.BadParameter("name a CASE, or --unlink")
    _correct(petition, {"case_id": case}, json_out)


def _correct(petition: str, fields: dict, json_out: bool) -> None:
    with access(need_backend=False) as acc:
        data = acc.petition_correct(petition, **fields)
    if json_out:
        emit_json(data)
        return
    if not data["changes"]:
        out.print("nothing to change, it is so already")
    for change in data["changes"]:
        out.print(f"{data['id']}: {change['field']} {change['old'] or '∅'} → {change['new'] or '∅'}", markup=False)


@app.command()
def report(
    month: str = typer.Option(..., "--month", metavar="YYYY-MM", help="The month counted."),
    csv_file: Path | None = typer.Option(None, "--csv", metavar="FILE", help="Also write it as CSV (UTF-8)."),
    xlsx_file: Path | None = typer.Option(None, "--xlsx", metavar="FILE", help="Also write it as an Excel workbook."),
    json_out: bool = JSON,
) -> None:
    """The month's statistics: received, classified, accepted, resolved on time / late, overdue now;
    by type and by assignee."""
    with access(need_backend=False, reading=True) as acc:
        data = acc.petitions_report(month)
        unit = acc.settings.unit
    if csv_file:
        write_report_csv(data, csv_file)
    if xlsx_file:
        write_report_xlsx(data, xlsx_file, unit)
    if json_out:
        emit_json(data)
        return
    table = Table(show_header=True, header_style="bold", title=f"Đơn tháng {data['month']}")
    columns = [k for k in data["totals"]]
    for column in ("", *columns):
        table.add_column(column)
    table.add_row("tổng số", *(str(data["totals"][c]) for c in columns))
    for row in data["by_type"]:
        table.add_row(row["name"], *(str(row[c]) for c in columns))
    for row in data["by_assignee"]:
        table.add_row(
            f"KSV {row['assignee']}" if row["assignee"] else "(chưa phân công)", *(str(row[c]) for c in columns)
        )
    out.print(table)
