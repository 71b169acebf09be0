"""OpenSearch as a cluster (README "OpenSearch as a cluster"): two real nodes on 127.0.0.1, started once
per run (the `cluster` fixture: tests/cluster_kit.py, scripts/opensearch.sh), and hoso
configured with both hosts and one replica. Indexing goes on through a node's restart with nothing lost
or doubled and no backlog; searches keep answering, with the same hits, while a node is stopped."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from index.base import IndexedPage, SearchQuery
from index.feed import index_documents
from pipeline.config import Settings
from pipeline.models import PageText
from pipeline.store.catalog import Catalog, DocumentRow


@pytest.fixture
def backend(cluster, unique_prefix):
    backend = cluster.backend(unique_prefix)
    yield backend
    backend.drop()
    backend.close()


def test_several_hosts_reach_the_client_with_dead_host_marking():
    """No node needed: what from_settings gives opensearch-py for a cluster."""
    from index.opensearch import DEAD_HOST_SECONDS, OpenSearchBackend

    hosts = "http://127.0.0.1:9250, http://127.0.0.1:9251,http://127.0.0.1:9252"
    transport = OpenSearchBackend.from_settings(Settings(opensearch_url=hosts)).client.transport
    assert sorted(c.host for c in transport.connection_pool.connections) == [h.strip() for h in hosts.split(",")]
    assert transport.max_retries == 3 and transport.connection_pool.dead_timeout == DEAD_HOST_SECONDS
    assert 503 not in transport.retry_on_status
    assert (transport.sniffer_timeout, transport.sniff_on_connection_fail) == (None, False)
    sniffing = OpenSearchBackend.from_settings(Settings(opensearch_url=hosts, opensearch_sniff=True)).client.transport
    assert sniffing.sniffer_timeout and sniffing.sniff_on_connection_fail and not sniffing.sniff_on_start


def wait_green(backend) -> None:
    """Every shard copy assigned (the replica on the other node), within a deadline."""
    indices = f"{backend.pages_alias},{backend.documents_alias}"
    wait_for(lambda: backend.client.cluster.health(index=indices)["status"] == "green", "health green")


def fill_catalog(path: Path, documents: int, pages: int) -> list[str]:
    """`documents` documents of `pages` pages (one batch, one case), not indexed yet; returns each
    document's own word (written on every page of it, on no other)."""
    catalog = Catalog(path)
    words = [f"hosomuc{d:03d}" for d in range(documents)]
    batch_id = "ab" * 32
    with catalog.transaction():
        catalog.add_batch(
            batch_id=batch_id,
            kind="pdf",
            originals=[{"name": "ho_so.pdf", "sha256": batch_id}],
            ocr_pdf=f"work/{batch_id}.pdf",
            ocr_sha256=batch_id,
            pages=[
                PageText(number=d * pages + p + 1, text=f"Biên bản lời khai {words[d]} trang {p + 1}")
                for d in range(documents)
                for p in range(pages)
            ],
            signed=False,
        )
        catalog.link_batch("2025-HS-0042", batch_id, None)
        for d in range(documents):
            catalog.put_document(
                DocumentRow(
                    id=f"2025-HS-0042-{d:03d}",
                    case_id="2025-HS-0042",
                    type="bien_ban_loi_khai",
                    confidence=1.0,
                    arrival=time.time() + d,
                    pages=[(batch_id, d * pages + p + 1, None, None) for p in range(pages)],
                )
            )
    catalog.close()
    return words


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.1)


@pytest.mark.opensearch
@pytest.mark.cluster
def test_indexing_goes_on_through_a_node_restart(cluster, backend, tmp_path):
    """The catalog's documents are indexed again and again, a few at a time as the watcher does, while
    node 2 stops and starts: every step completes (bulk requests retried on the other host, primaries
    promoted), the catalog has no backlog, and the index holds every page exactly once, on both copies."""
    documents, pages, step = 40, 5, 4
    path = tmp_path / "catalog.sqlite"
    words = fill_catalog(path, documents, pages)
    backend.index_pages([])  # the indices, with their replica on the other node
    wait_green(backend)

    phase = ["up"]
    steps: Counter[str] = Counter()
    errors: list[BaseException] = []
    restarted = threading.Event()

    def feed() -> None:
        catalog = Catalog(path)  # a connection of this thread
        deadline = time.monotonic() + 240
        try:
            while time.monotonic() < deadline:
                last = restarted.is_set()  # one whole pass after the node is back
                rows = catalog.documents(all_cases=True)
                for start in range(0, len(rows), step):
                    index_documents(catalog, backend, rows[start : start + step])
                    steps[phase[0]] += 1
                if last:
                    return
            errors.append(AssertionError("indexing did not end within 240 s"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            catalog.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        wait_for(lambda: steps["up"] >= 3 or errors, "indexing before the restart")
        phase[0] = "stopping"
        cluster.node("stop", 2)
        phase[0] = "down"
        wait_for(lambda: steps["down"] >= 3 or errors, "indexing while node 2 is down")
        phase[0] = "starting"
        cluster.node("start", 2)
        phase[0] = "back"
    finally:
        restarted.set()
        feeder.join(300)
    assert not feeder.is_alive()
    assert not errors, errors
    assert steps["down"] >= 3 and steps["starting"] >= 1, steps  # indexing went on through the restart

    catalog = Catalog(path)
    assert [d.id for d in catalog.documents(all_cases=True) if not d.indexed] == []  # `reindex --pending`: none
    catalog.close()
    info = backend.info()
    assert (info["pages"], info["documents"]) == (documents * pages, documents)
    for word in (words[0], words[documents // 2], words[-1]):
        found = backend.search(SearchQuery(word, limit=50))
        assert found.total == pages and sorted(h.seq for h in found.hits) == list(range(1, pages + 1))
    # The replica that came back holds what its primary holds.
    wait_green(backend)
    copies = backend.client.cat.shards(index=backend.pages_alias, params={"format": "json"})
    assert sorted(c["prirep"] for c in copies) == ["p", "r"]
    assert {int(c["docs"]) for c in copies} == {documents * pages}


def _pages() -> list[IndexedPage]:
    texts = {
        "QD-01": ("quyet_dinh_khoi_to", "Quyết định khởi tố vụ án hình sự số 12/QĐ-CSĐT", ["Nguyễn Văn An"]),
        "BB-02": ("bien_ban_loi_khai", "Biên bản lời khai của bị can về vụ trộm cắp tài sản", ["Trần Thị Bình"]),
        "KL-03": ("ket_luan_dieu_tra", "Bản kết luận điều tra vụ án trộm cắp tài sản", ["Nguyễn Văn An"]),
    }
    return [
        IndexedPage(
            "2025-HS-0007",
            document,
            seq,
            doc_type,
            f"{text}, trang {seq}",
            number="12/QĐ-CSĐT" if document == "QD-01" else None,
            persons=persons,
            source_file=f"{document}.pdf",
        )
        for document, (doc_type, text, persons) in texts.items()
        for seq in range(1, 5)
    ]


QUERIES = [
    SearchQuery("khởi tố"),
    SearchQuery("trom cap tai san", facets=("type", "person")),
    SearchQuery("12/QĐ-CSĐT"),
    SearchQuery(case_id="2025-HS-0007", limit=20),
]


def _answers(backend) -> list[tuple]:
    return [(r.total, [(h.document_id, h.seq) for h in r.hits], r.facets) for r in map(backend.search, QUERIES)]


@pytest.mark.opensearch
@pytest.mark.cluster
def test_a_new_replica_count_reaches_existing_indices(cluster, backend, unique_prefix):
    single = cluster.backend(unique_prefix, replicas=None)  # as made before the setting: auto-expand 0-1
    single.index_pages(_pages()[:1])
    single.close()
    backend.index_pages(_pages()[1:2])
    found = backend.client.indices.get_settings(index=backend.pages_alias, params={"flat_settings": "true"})
    (settings,) = (index["settings"] for index in found.values())
    assert (settings["index.number_of_replicas"], settings["index.auto_expand_replicas"]) == ("1", "false")


@pytest.mark.opensearch
@pytest.mark.cluster
def test_searches_answer_the_same_while_a_node_is_stopped(cluster, backend, unique_prefix):
    """With a replica, the same hits from the node left; without one (its only copy on the stopped
    node), a plain failure at once, and the node left is not put out of the pool for it."""
    from index.opensearch import OpenSearchUnavailable

    cluster.node("start", 2)  # back if a test before left it stopped (no-op when it runs)
    assert backend.index_pages(_pages()) == 12
    wait_green(backend)
    before = _answers(backend)
    assert [total for total, *_ in before] == [4, 8, 4, 12]
    alone = cluster.backend(f"{unique_prefix}-alone", replicas=0)
    alone.index_pages([])
    on_node_2 = {"index.routing.allocation.require._name": "hoso-node-2"}
    alone.client.indices.put_settings(index=f"{alone.pages_alias},{alone.documents_alias}", body=on_node_2)
    wait_for(
        lambda: (
            [
                (c["node"], c["state"])
                for c in alone.client.cat.shards(index=alone.pages_alias, params={"format": "json"})
            ]
            == [("hoso-node-2", "STARTED")]
        ),
        "the unreplicated index on node 2",
    )
    alone.index_pages(_pages()[:4])

    cluster.node("stop", 2)
    try:
        for _ in range(3):  # hosts take requests in turn: some go to the stopped node first
            assert _answers(backend) == before
        assert [c.host for c in backend.client.transport.connection_pool.connections] == [cluster.urls[0]]

        fresh = cluster.backend(backend.prefix)  # a new process's client, both hosts alive as far as it knows
        assert _answers(fresh) == before
        fresh.close()

        for _ in range(3):
            with pytest.raises(OpenSearchUnavailable, match="all shards failed.*opensearch_replicas"):
                alone.search(SearchQuery("khởi tố"))
        assert [c.host for c in alone.client.transport.connection_pool.connections] == [cluster.urls[0]]
    finally:
        cluster.node("start", 2)  # the unreplicated index comes back with it, and can be dropped
        alone.drop()
        alone.close()
