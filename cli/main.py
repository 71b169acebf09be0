"""`hoso`: the command line of clerks, prosecutors and admins."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import doctor_cmd, dossier_cmd, ingest_cmd, search_cmd, watch_cmd
from . import doc_cmd, review_cmd, verify_cmd
from .context import setup_logging, state

app = typer.Typer(
    help="hoso — hồ sơ: scanned procuracy case files in, searchable e-dossiers out.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)


@app.callback()
def main(
    home: Optional[Path] = typer.Option(None, "--home", envvar="HOSO_HOME",
                                        help="Folder with the catalog, archive, dossiers and quarantine."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what is done, on stderr."),
) -> None:
    state.home = home
    state.verbose = verbose
    setup_logging()


ingest_cmd.register(app)
search_cmd.register(app)
doctor_cmd.register(app)
watch_cmd.register(app)
app.add_typer(dossier_cmd.app, name="dossier")
verify_cmd.register(app)
app.add_typer(doc_cmd.app, name="doc")
review_cmd.register(app)  # review, reprocess, separator, page ..., case ...
