"""A home configured with HOSO_OPENSEARCH_URL, through the real CLI.

Most tests feed the catalog with documents built from the dev corpus truth (no OCR), then
drive `hoso reindex / status / search / doctor` against the project's OpenSearch node; one
test ingests a real one-page scan with the cluster down (marked `ocr`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import REPO, hoso, hoso_json
from pipeline.config import Settings
from pipeline.models import PageText
from pipeline.store.catalog import Catalog, DocumentRow
from pipeline.text import normalize
from test_opensearch import closed_port

pytestmark = pytest.mark.opensearch

CASES = ("2024-HS-7001", "2024-HS-7003")


@pytest.fixture
def os_env(opensearch_url, unique_prefix):
    env = {"HOSO_OPENSEARCH_URL": opensearch_url, "HOSO_OPENSEARCH_INDEX_PREFIX": unique_prefix}
    yield env
    from index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=unique_prefix)
    )
    backend.drop()
    backend.close()


def down_env(prefix: str) -> dict[str, str]:
    return {"HOSO_OPENSEARCH_URL": f"http://127.0.0.1:{closed_port()}", "HOSO_OPENSEARCH_INDEX_PREFIX": prefix}


def fill_catalog(home: Path, truth: dict) -> int:
    """Batches and documents of two corpus cases straight into the catalog (as ingest leaves them
    before indexing: indexed = 0). Returns the number of documents."""
    catalog = Catalog(home / "catalog.sqlite")
    count = 0
    with catalog.transaction():
        for b, batch in enumerate(truth["batches"]):
            if batch["case_id"] not in CASES:
                continue
            texts = [normalize(t) for doc in batch["documents"] for t in doc["text"]]
            batch_id = f"{b:02d}" * 32
            catalog.add_batch(
                batch_id=batch_id,
                kind="pdf",
                originals=[{"name": f"scan_{b}.pdf", "sha256": batch_id}],
                ocr_pdf=f"work/{batch_id}.pdf",
                ocr_sha256=batch_id,
                pages=[PageText(number=i, text=t) for i, t in enumerate(texts, 1)],
                signed=False,
            )
            catalog.link_batch(batch["case_id"], batch_id, None)
            first = 1
            for d, doc in enumerate(batch["documents"]):
                n = len(doc["text"])
                catalog.put_document(
                    DocumentRow(
                        id=f"{batch['case_id']}-{b:02d}{d:02d}",
                        case_id=batch["case_id"],
                        type=doc["type"],
                        confidence=1.0,
                        number=doc["number"] or None,
                        date=doc["date"],
                        title=doc["title"],
                        subtitle=doc["subtitle"],
                        persons=[{"name": "Đinh Văn Việt", "role": "bi_can"}]
                        if batch["case_id"] == "2024-HS-7003"
                        else [],
                        article=260 if batch["case_id"] == "2024-HS-7003" else 171,
                        arrival=time.time() + count,
                        pages=[(batch_id, p, None, None) for p in range(first, first + n)],
                    )
                )
                first += n
                count += 1
    catalog.close()
    return count


def test_a_home_on_opensearch_reindexes_searches_and_reports(tmp_path, truth, os_env):
    home = tmp_path / "home"
    documents = fill_catalog(home, truth)
    assert hoso_json(home, "status", env=os_env)["not_indexed"] == documents

    done = hoso_json(home, "reindex", "--pending", env=os_env)
    assert done["backend"] == "opensearch" and done["documents"] == documents
    status = hoso_json(home, "status", env=os_env)
    assert status["not_indexed"] == 0 and status["index"] == "opensearch"

    result = hoso_json(home, "search", "khoi to vu an", "--facets", "--limit", "5", env=os_env)
    assert result["total"] >= 2 and len(result["hits"]) == 5
    assert set(result["hits"][0]) == {
        "case_id",
        "petition_id",
        "document_id",
        "seq",
        "doc_type",
        "page",
        "but_luc",
        "score",
        "snippet",
    }
    assert "<mark>" in result["hits"][0]["snippet"]
    assert set(result["facets"]) == {"type", "case", "year", "person", "number", "article"}
    assert set(result["facets"]["case"]) <= set(CASES) and result["facets"]["year"] == {"2024": result["total"]}
    assert sum(result["facets"]["type"].values()) == result["total"]

    filtered = hoso_json(
        home,
        "search",
        "quyết định",
        "--case",
        "2024-HS-7003",
        "--person",
        "dinh van viet",
        "--article",
        "260",
        "--from",
        "2024",
        "--to",
        "2024-12-31",
        "--limit",
        "50",
        env=os_env,
    )
    assert filtered["total"] >= 1 and {h["case_id"] for h in filtered["hits"]} == {"2024-HS-7003"}
    assert (
        hoso_json(home, "search", "quyết định", "--person", "dinh van viet", "--article", "171", env=os_env)["total"]
        == 0
    )
    number = next(
        d["number"] for b in truth["batches"] if b["case_id"] == "2024-HS-7003" for d in b["documents"] if d["number"]
    )
    by_number = hoso_json(home, "search", "quyết định", "--number", number, "--limit", "50", env=os_env)
    assert by_number["total"] >= 1 and "facets" not in by_number

    bad = hoso(home, "search", "x", "--from", "03/2024", check=False, env=os_env)
    assert bad.returncode == 2 and "not a date" in bad.stderr

    doctor = hoso_json(home, "doctor", check=False, env=os_env)
    index = doctor["checks"]["index"]
    assert index["ok"] and index["backend"] == "opensearch" and index["version"].startswith("2.")
    assert index["health"] in ("green", "yellow") and index["documents"] == documents
    prefix = os_env["HOSO_OPENSEARCH_INDEX_PREFIX"]
    assert index["aliases"] == {
        f"{prefix}-pages": f"{prefix}-pages-v1",
        f"{prefix}-documents": f"{prefix}-documents-v1",
    }


def test_reindex_recreate_swaps_the_alias_and_deletes_the_old_index(tmp_path, truth, os_env):
    home = tmp_path / "home"
    fill_catalog(home, truth)
    prefix = os_env["HOSO_OPENSEARCH_INDEX_PREFIX"]
    hoso_json(home, "reindex", env=os_env)
    before = hoso_json(home, "search", "cướp giật tài sản", "--limit", "100", env=os_env)
    rebuilt = hoso(home, "reindex", "--recreate", env=os_env)
    assert "indexed" in rebuilt.stdout
    aliases = hoso_json(home, "doctor", check=False, env=os_env)["checks"]["index"]["aliases"]
    assert aliases[f"{prefix}-pages"] == f"{prefix}-pages-v2"
    from opensearchpy import OpenSearch

    client = OpenSearch(os_env["HOSO_OPENSEARCH_URL"])
    assert sorted(client.indices.get(index=f"{prefix}-*")) == [f"{prefix}-documents-v2", f"{prefix}-pages-v2"]
    after = hoso_json(home, "search", "cướp giật tài sản", "--limit", "100", env=os_env)
    assert after["total"] == before["total"] > 0
    assert [(h["document_id"], h["snippet"]) for h in after["hits"]] == [
        (h["document_id"], h["snippet"]) for h in before["hits"]
    ]


def test_a_down_cluster_leaves_a_backlog_that_reindex_pending_catches_up(tmp_path, truth, os_env):
    from index import open_backend
    from ingest.consume import Consumer

    home = tmp_path / "home"
    documents = fill_catalog(home, truth)
    down = down_env(os_env["HOSO_OPENSEARCH_INDEX_PREFIX"])
    settings = Settings(
        home=home,
        opensearch_url=down["HOSO_OPENSEARCH_URL"],
        opensearch_index_prefix=down["HOSO_OPENSEARCH_INDEX_PREFIX"],
    )
    catalog = Catalog(settings.catalog_path)
    consumer = Consumer(settings, catalog, open_backend(settings, catalog))
    started = time.monotonic()
    assert consumer.index_documents(catalog.documents("2024-HS-7001")) is False  # what ingest does after a batch
    assert time.monotonic() - started < 10, "a down cluster must not hold up ingest"
    catalog.close()

    status = hoso_json(home, "status", env=down)
    assert status["not_indexed"] == documents and status["index"] == "opensearch"
    failed = hoso(home, "search", "khoi to", check=False, env=down)
    assert failed.returncode == 7 and "cannot reach OpenSearch" in failed.stderr

    caught_up = hoso_json(home, "reindex", "--pending", env=os_env)
    assert caught_up["documents"] == documents
    assert hoso_json(home, "status", env=os_env)["not_indexed"] == 0
    assert hoso_json(home, "search", "khoi to", env=os_env)["total"] >= 1
    # Nothing pending any more: a second catch-up has nothing to do.
    assert hoso_json(home, "reindex", "--pending", env=os_env)["documents"] == 0


def test_moving_a_home_between_backends_needs_recreate(tmp_path, truth, os_env):
    home = tmp_path / "home"
    fill_catalog(home, truth)
    hoso_json(home, "reindex")  # embedded
    refused = hoso(home, "search", "khoi to", check=False, env=os_env)
    assert refused.returncode == 7 and "reindex --recreate" in refused.stderr
    embedded_total = hoso_json(home, "search", "khoi to")["total"]
    moved = hoso_json(home, "reindex", "--recreate", env=os_env)
    assert moved["backend"] == "opensearch"
    assert hoso_json(home, "search", "khoi to", env=os_env)["total"] == embedded_total >= 1
    assert hoso(home, "search", "khoi to", check=False).returncode == 7  # and back needs --recreate too


@pytest.mark.ocr
def test_ingest_with_the_cluster_down_still_builds_the_dossier(tmp_path, os_env):
    home = tmp_path / "home"
    scan = REPO / "samples" / "inbox" / "2025-HS-0002" / "scan_2025-HS-0002_2.png"  # one page
    down = down_env(os_env["HOSO_OPENSEARCH_INDEX_PREFIX"])
    started = time.monotonic()
    report = hoso_json(home, "ingest", str(scan), "--case", "2025-HS-0002", env=down)
    assert [f["status"] for f in report["files"]] == ["done"]
    shown = hoso_json(home, "dossier", "show", "2025-HS-0002", env=down)
    assert shown["documents"] and (home / "dossiers" / "2025-HS-0002").is_dir()
    status = hoso_json(home, "status", env=down)
    assert status["not_indexed"] == len(shown["documents"]) >= 1
    assert time.monotonic() - started < 300

    hoso_json(home, "reindex", "--pending", env=os_env)
    assert hoso_json(home, "status", env=os_env)["not_indexed"] == 0
    found = hoso_json(home, "search", "thong bao", env=os_env)
    assert found["total"] >= 1 and found["hits"][0]["page"] is not None
