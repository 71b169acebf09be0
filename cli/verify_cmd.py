"""`hoso verify`: recompute the sha256 of originals, outputs and manifests; report what is wrong."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.dossier.build import home_path
from pipeline.dossier.integrity import Problem, Report, verify_bundle, verify_home
from pipeline.store.catalog import Catalog

from .context import emit_json, fail, home, out, settings
from .exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(
        cases: list[str] | None = typer.Argument(None, metavar="[CASE]...", help="Only these cases (default: all)."),
        bundle: Path | None = typer.Option(
            None, "--bundle", help="Check a bundle from `hoso dossier export --bundle` (no catalog needed)."
        ),
        pdfa: bool = typer.Option(
            False,
            "--pdfa",
            help="Also check that each current dossier is PDF/A-2b (veraPDF when installed, else a structural check).",
        ),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Check originals, OCR outputs, dossiers and manifests: missing, altered or orphaned files (exit 4)."""
        if bundle is not None:
            if cases:
                fail("give either cases or --bundle, not both", ExitCode.USAGE)
            if not bundle.is_file():
                fail(f"no bundle {bundle}", ExitCode.NOT_FOUND)
            cfg = settings()
            catalog = Catalog(cfg.catalog, read_only=True) if cfg.catalog_exists() else None
            try:
                report = verify_bundle(bundle, catalog)
            finally:
                if catalog is not None:
                    catalog.close()
        else:
            with home(need_backend=False, reading=True) as (cfg, catalog, _):
                unknown = [c for c in cases or [] if not catalog.case_exists(c)]
                if unknown:
                    fail(f"no case {', '.join(unknown)} in this home", ExitCode.NOT_FOUND)
                report = verify_home(cfg, catalog, list(cases or []))
                if pdfa:
                    _check_pdfa(cfg, catalog, report)
        _print(report, json_out)
        if not report.ok:
            raise typer.Exit(int(ExitCode.INTEGRITY))


def _check_pdfa(cfg, catalog: Catalog, report: Report) -> None:
    from pipeline.dossier.pdfa import structural_check, verapdf

    for case_id in report.extra.get("cases", []):
        latest = catalog.latest_dossier(case_id)
        if latest is None or not home_path(cfg, latest["pdf"]).is_file():
            continue
        pdf = home_path(cfg, latest["pdf"])
        report.count("pdfa")
        found = verapdf(pdf)
        if found is not None:
            report.extra["pdfa_validator"] = "veraPDF"
            if not found[0]:
                report.problems.append(
                    Problem("altered", "pdfa", latest["pdf"], case_id, detail="veraPDF: " + found[1][-800:])
                )
            continue
        report.extra["pdfa_validator"] = "structural"
        for problem in structural_check(pdf):
            report.problems.append(Problem("altered", "pdfa", latest["pdf"], case_id, detail=problem))


def _print(report: Report, json_out: bool) -> None:
    if json_out:
        emit_json(report.to_json())
        return
    checked = ", ".join(f"{n} {kind}" for kind, n in report.checked.items())
    where = report.extra.get("bundle") or "this home"
    if report.ok:
        out.print(f"[green]ok[/]: {where} — checked {checked}", highlight=False)
    else:
        out.print(f"[bold red]{len(report.problems)} problem(s)[/] in {where} — checked {checked}", highlight=False)
        for p in report.problems:
            detail = f" — {p.detail}" if p.detail else ""
            out.print(f"  {p.problem:<8} {p.kind:<16} {p.path}{detail}", highlight=False, markup=False)
    for key in ("case_id", "version", "manifest_sha256", "catalog"):
        if key in report.extra and report.extra.get("bundle"):
            out.print(f"  {key}: {report.extra[key]}", highlight=False)
