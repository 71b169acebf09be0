"""`hoso`: the command line of clerks, prosecutors and admins."""

from __future__ import annotations

from pathlib import Path

import typer
from typer._click.exceptions import ClickException  # typer's own copy of click
from typer.core import TyperGroup

from pipeline.errors import ExitCode, Failed, HosoError, Interrupted, resource_error

from . import (
    doc_cmd,
    doctor_cmd,
    dossier_cmd,
    ingest_cmd,
    review_cmd,
    search_cmd,
    serve_cmd,
    user_cmd,
    verify_cmd,
    watch_cmd,
)
from .context import emit_json, error_json, report_error, setup_logging, state


class HosoCommands(TyperGroup):
    """The one place where a failure becomes a message, an `--json` error object and an exit code."""

    def invoke(self, ctx):
        json_out = "--json" in [*getattr(ctx, "_protected_args", []), *ctx.args]
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
review_cmd.register(app)  # review, reprocess, separator, page ..., case ...
app.add_typer(user_cmd.app, name="user")
