"""`hoso audit`: the audit trail, filtered; `hoso audit verify`: is its chain intact (exit 4)?"""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from ingest.audit import day_filter, local_time

from .context import access, emit_json, out
from .exitcodes import ExitCode

app = typer.Typer(help="The audit trail: who did what, when, from where (append-only, hash-chained).")


@app.callback(invoke_without_command=True)
def listing(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="Only this account (or CLI login)."),
    case_id: str | None = typer.Option(None, "--case", metavar="CASE", help="Only rows about this case."),
    action: str | None = typer.Option(
        None, "--action", help="Only this action (search, page.view, cli, …; 'user.' for every user.* action)."
    ),
    since: str | None = typer.Option(None, "--since", metavar="DAY", help="From this day (dd/mm/yyyy or YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", metavar="DAY", help="Through this day."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="At most this many rows, newest first."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """The audit trail's rows, newest first: who, when, from where (IP or "cli"), what."""
    if ctx.invoked_subcommand is not None:
        return
    where = day_filter(who=user, case_id=case_id, action=action, since=since, until=until)
    with access(need_backend=False, reading=True) as acc:
        found = acc.audit_trail(where, limit=limit)
    if json_out:
        emit_json(found)
        return
    for row in found["rows"]:
        detail = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
        out.print(
            f"{row['id']:>7}  {local_time(row['at'])}  {escape(row['who']):<20} {escape(row['address']):<15} "
            f"{escape(row['action']):<16} {escape(detail)}",
            highlight=False,
            soft_wrap=True,
        )
    shown = len(found["rows"])
    out.print(f"{shown} of {found['total']} rows" + (" (--limit for more)" if shown < found["total"] else ""))


@app.command("verify")
def verify(json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")) -> None:
    """Recompute every row's sha256 and link, check the signed head: exit 4 naming the first bad row."""
    with access(need_backend=False, reading=True) as acc:
        verdict = acc.audit_verdict()
    if json_out:
        emit_json(verdict.as_json())
    else:
        out.print(escape(verdict.message), highlight=False)
    if not verdict.ok:
        raise typer.Exit(int(ExitCode.INTEGRITY))
