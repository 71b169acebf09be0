"""`hoso`: the command line of clerks, prosecutors and admins."""

from __future__ import annotations

from pathlib import Path

import typer
from typer._click.exceptions import ClickException  # typer's own copy of click
from typer.core import TyperGroup

from ingest.access import Access, User
from pipeline.errors import ExitCode, Failed, HosoError, Interrupted, resource_error
from pipeline.store.catalog import Catalog

from . import (
    audit_cmd,
    doc_cmd,
    doctor_cmd,
    dossier_cmd,
    ingest_cmd,
    petitions_cmd,
    review_cmd,
    search_cmd,
    serve_cmd,
    user_cmd,
    verify_cmd,
    watch_cmd,
    worker_cmd,
)
from .context import emit_json, err, error_json, report_error, settings, setup_logging, state


class HosoCommands(TyperGroup):
    """The one place where a failure becomes a message, an `--json` error object and an exit code."""

    def invoke(self, ctx):
        words = [*getattr(ctx, "_protected_args", []), *ctx.args]
        exit_code = ExitCode.ERROR
        try:
            result = self.run(ctx, "--json" in words)
            exit_code = ExitCode.OK
            return result
        except typer.Exit as exc:
            exit_code = exc.exit_code
            raise
        except ClickException:  # a bad command line: nothing ran, nothing to record
            exit_code = None
            raise
        finally:
            if exit_code is not None:
                record_command(self, ctx, words, exit_code)

    def run(self, ctx, json_out: bool):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            error: HosoError = Interrupted("interrupted (Ctrl-C)")
        except HosoError as exc:
            error = exc
        except ClickException as exc:  # a bad command line: click prints it with the usage
            if json_out and not state.json_emitted:
                emit_json(error_json(Failed(exc.format_message(), ExitCode(exc.exit_code))))
            raise
        except Exception as exc:
            error = resource_error(exc)
            if error is None:  # a bug: the traceback follows, for whoever fixes it
                if json_out and not state.json_emitted:
                    emit_json(error_json(Failed(f"unexpected failure ({type(exc).__name__}: {exc})", ExitCode.ERROR)))
                raise
        report_error(error, json_out)
        raise typer.Exit(int(error.exit_code))


# Commands that only read: the audit trail records what changes data (the web records its reads itself).
READING = {
    "status", "search", "doctor", "verify", "serve", "review", "separator", "audit",
    "dossier show", "dossier history", "case list", "case assignees", "user list",
    "petitions list", "petitions show", "petitions report",
}  # fmt: skip
CREDENTIAL_OPTIONS = ("--password", "--token")


def record_command(group: TyperGroup, ctx, words: list[str], exit_code: int) -> None:
    """One `cli` row for a command that changes data: the command, its arguments, its exit code."""
    names, args, command = [], list(words), group
    while args and not args[0].startswith("-") and isinstance(command, TyperGroup):
        try:
            name, command, args = command.resolve_command(ctx, args)
        except ClickException:
            return
        names.append(name)
    command_name = " ".join(names)
    if not names or command_name in READING or names[0] in READING or "--help" in args:
        return
    detail = {"command": command_name, "args": without_credentials(args), "exit_code": int(exit_code)}
    try:
        cfg = settings()
        if not cfg.catalog_exists():  # no home there (a mistyped --home): none is made to record it
            return
        catalog = Catalog(cfg.catalog)
        try:
            Access(cfg, catalog, None, User.from_environment()).record("cli", **detail)
        finally:
            catalog.close()
    except Exception as exc:  # the command's own outcome stands; the failure to record is said
        err.print(f"[bold red]hoso:[/] not recorded in the audit trail: {exc}", highlight=False, soft_wrap=True)


def without_credentials(args: list[str]) -> list[str]:
    """`args` without the value of a --password/--token option (never given there, but never recorded)."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in CREDENTIAL_OPTIONS:
            skip = True
        elif not arg.startswith(tuple(f"{option}=" for option in CREDENTIAL_OPTIONS)):
            kept.append(arg)
    return kept


app = typer.Typer(
    help="hoso — hồ sơ: scanned procuracy case files in, searchable e-dossiers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=HosoCommands,
)


@app.callback()
def main(
    home: Path | None = typer.Option(
        None, "--home", envvar="HOSO_HOME", help="Folder with the catalog, archive, dossiers and quarantine."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what is done, on stderr."),
) -> None:
    state.home = home
    state.verbose = verbose
    state.json_emitted = False
    setup_logging()


ingest_cmd.register(app)
search_cmd.register(app)
doctor_cmd.register(app)
watch_cmd.register(app)
app.add_typer(dossier_cmd.app, name="dossier")
verify_cmd.register(app)
app.add_typer(doc_cmd.app, name="doc")
serve_cmd.register(app)
worker_cmd.register(app)
review_cmd.register(app)  # review, reprocess, separator, page ..., case ...
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(user_cmd.app, name="user")
app.add_typer(petitions_cmd.app, name="petitions")
