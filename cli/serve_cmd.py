"""`hoso serve`: the prosecutors' web app on this machine, or on the network behind a TLS proxy."""

from __future__ import annotations

import ipaddress

import typer

from pipeline.store.catalog import Catalog

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
            "127.0.0.1",
            "--host",
            help="Address to listen on. Another than loopback only once an admin account exists, behind TLS.",
        ),
        port: int = typer.Option(8080, "--port", min=1, max=65535),
        proxy: str | None = typer.Option(
            None,
            "--proxy",
            help="The reverse proxy's address (e.g. 127.0.0.1): only its X-Forwarded-For and X-Forwarded-Proto "
            "are believed (the visitor's IP in the audit trail, https for Secure cookies).",
        ),
    ) -> None:
        """Serve the web app (search, page viewer, dossiers, review) over this home; everyone signs in."""
        import uvicorn

        from web.app import create_app

        cfg = settings()
        if not cfg.catalog_exists():
            fail(f"no catalog in {cfg.home}: ingest scans first (`hoso ingest FOLDER`)", ExitCode.NOT_FOUND)
        if not is_loopback(host):
            catalog = Catalog(cfg.catalog)
            try:
                admins = catalog.admin_count()
            finally:
                catalog.close()
            if not admins:
                fail(
                    f"refusing to serve on {host}: no admin account yet, so hoso serves this machine only "
                    "(127.0.0.1); make one with `hoso user add NAME --role admin`",
                    ExitCode.USAGE,
                )
            err.print(
                f"hoso: WARNING: serving on {host} in plain HTTP: put a TLS reverse proxy in front "
                "(README, 'Production set-up') and let only it reach this port",
                highlight=False,
            )
        err.print(f"hoso: serving {cfg.home} on http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
        uvicorn.run(
            create_app(cfg),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            # Forwarded headers are anyone's to forge: believed only from the named proxy.
            proxy_headers=proxy is not None,
            forwarded_allow_ips=proxy or "",
        )
