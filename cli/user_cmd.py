"""`hoso user ...`: the accounts of the web app and its API (the first admin is made here: there is
no default account). A password is read from the terminal (asked twice) or, when stdin is not a
terminal, from its first line: never from the command line, where `ps` and the shell's history see it."""

from __future__ import annotations

import datetime
import getpass
import sys

import typer
from rich.markup import escape

from pipeline.secrecy import THUONG

from .context import access, emit_json, fail, out
from .exitcodes import ExitCode

app = typer.Typer(help="Accounts: add, list, change, disable, passwords, API tokens.", no_args_is_help=True)

NAME = typer.Argument(..., metavar="NAME", help="The login name.")
JSON = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def read_password(name: str) -> str:
    """A new password: asked twice on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on stdin (one line is read when stdin is not a terminal)", ExitCode.USAGE)
        return password
    password = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != password:
        fail("the two passwords differ", ExitCode.USAGE)
    return password


@app.command("add")
def add(
    name: str = NAME,
    role: str = typer.Option(..., "--role", help="admin | leader | prosecutor | clerk"),
    clearance: str = typer.Option(THUONG, "--clearance", help="thuong | mat | toi_mat: the highest level read."),
    full_name: str | None = typer.Option(None, "--full-name", help="As shown on the pages, e.g. 'Nguyễn Văn An'."),
) -> None:
    """Add an account; its password is read from the terminal or stdin."""
    with access(need_backend=False) as a:
        accounts = a.accounts()
        accounts.check_new(name, role, clearance)
        accounts.add(name, role, clearance, full_name, read_password(name))
    out.print(f"account {escape(name)} added ({role}, clearance {clearance})", highlight=False)


@app.command("list")
def list_(json_out: bool = JSON) -> None:
    """Every account: role, clearance, disabled or locked, live API tokens (never a password hash)."""
    with access(need_backend=False, reading=True) as a:
        users = a.accounts().list()
    if json_out:
        emit_json({"users": users})
        return
    for u in users:
        state = "disabled" if u["disabled"] else "locked" if u["locked"] else "active"
        created = datetime.datetime.fromtimestamp(u["created_at"]).strftime("%d/%m/%Y")
        out.print(
            f"{escape(u['name']):20} {u['role']:10} {u['clearance']:8} {state:8} tokens {u['tokens']}  "
            f"since {created}  {escape(u['full_name'] or '')}",
            highlight=False,
            soft_wrap=True,  # one account a line, however narrow the terminal
        )


@app.command("set")
def set_(
    name: str = NAME,
    role: str | None = typer.Option(None, "--role", help="admin | leader | prosecutor | clerk"),
    clearance: str | None = typer.Option(None, "--clearance", help="thuong | mat | toi_mat"),
    full_name: str | None = typer.Option(None, "--full-name"),
) -> None:
    """Change an account's role, clearance or full name (its open sessions see the change at once)."""
    if role is None and clearance is None and full_name is None:
        fail("give --role, --clearance or --full-name", ExitCode.USAGE)
    with access(need_backend=False) as a:
        changes = a.accounts().change(name, role=role, clearance=clearance, full_name=full_name)
    said = ", ".join(f"{k} {v}" for k, v in changes.items()) or "nothing to change"
    out.print(f"account {escape(name)}: {escape(said)}", highlight=False)


@app.command("disable")
def disable(name: str = NAME) -> None:
    """Disable an account: its web sessions end and its API tokens are refused at once."""
    with access(need_backend=False) as a:
        a.accounts().disable(name)
    out.print(f"account {escape(name)} disabled", highlight=False)


@app.command("enable")
def enable(name: str = NAME) -> None:
    """Enable a disabled account again."""
    with access(need_backend=False) as a:
        a.accounts().disable(name, disabled=False)
    out.print(f"account {escape(name)} enabled", highlight=False)


@app.command("passwd")
def passwd(name: str = NAME) -> None:
    """Set a new password (read from the terminal or stdin); the account's web sessions end."""
    with access(need_backend=False) as a:
        accounts = a.accounts()
        accounts.account(name)  # an unknown name fails before the password is asked
        accounts.set_password(name, read_password(name))
    out.print(f"password of {escape(name)} changed", highlight=False)


@app.command("unlock")
def unlock(name: str = NAME) -> None:
    """End the lock-out after too many failed sign-ins."""
    with access(need_backend=False) as a:
        a.accounts().unlock(name)
    out.print(f"account {escape(name)} unlocked", highlight=False)


@app.command("token")
def token(
    name: str = NAME,
    revoke: bool = typer.Option(False, "--revoke", help="Revoke every API token of the account instead."),
    json_out: bool = JSON,
) -> None:
    """A new personal API token (`Authorization: Bearer TOKEN` on /api/...): shown once, only its hash is kept."""
    with access(need_backend=False) as a:
        accounts = a.accounts()
        if revoke:
            revoked = accounts.revoke_tokens(name)
            if json_out:
                emit_json({"name": name, "revoked": revoked})
            else:
                out.print(f"{revoked} token(s) of {escape(name)} revoked", highlight=False)
            return
        new = accounts.new_token(name)
    if json_out:
        emit_json({"name": name, "token": new})
    else:
        sys.stdout.write(new + "\n")
        print("hoso: keep this token secret; it is not shown again", file=sys.stderr)
