"""`hoso serve`: the prosecutors' web app on this machine."""

from __future__ import annotations

import ipaddress

import typer

from .context import err, fail, settings
from .exitcodes import ExitCode


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(
            "127.0.0.1", "--host", help="Address to listen on (loopback only, until accounts exist)."
        ),
        port: int = typer.Option(8080, "--port", min=1, max=65535),
    ) -> None:
        """Serve the web app (search, page viewer, dossiers, review) over this home."""
        if not is_loopback(host):
            # Anyone on the network could read every dossier and record corrections: not before accounts exist.
            fail(
                f"refusing to serve on {host}: without accounts hoso serves this machine only (127.0.0.1)",
                ExitCode.USAGE,
            )
        import uvicorn

        from web.app import create_app

        cfg = settings()
        if not cfg.catalog_path.is_file():
            fail(f"no catalog in {cfg.home}: ingest scans first (`hoso ingest FOLDER`)", ExitCode.NOT_FOUND)
        err.print(f"hoso: serving {cfg.home} on http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
        uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", access_log=False)
