"""The production backend: OpenSearch, one document per dossier page.

Designed for a cluster with core modules only (the project's own node is the
`integ-test-zip` distribution): no `_reindex`, no `_delete_by_query`, no
painless, no ingest pipelines, no asciifolding. So:

* text is folded and tokenized in Python (`pipeline.text.fold`, `words`): the
  index holds `text_exact` (the page's words with their diacritics) and
  `text_folded` (the same words folded, đ→d), both analyzed by the standard
  tokenizer + lowercase only; the original OCR text is kept in `_source` as
  `text` (not indexed) for snippets, built in Python exactly as the embedded
  backend builds them (`index.query.make_snippet`);
* every page has a deterministic `_id` (`IndexedPage.page_id`): re-indexing
  overwrites, deletes are a terms search on `document_id` + bulk deletes by id;
* `rebuild()` writes a new versioned index (`<prefix>-pages-v<N>`, and
  `<prefix>-documents-v<N>` with one record per dossier document), then moves
  the aliases `<prefix>-pages` / `<prefix>-documents` to it in one atomic
  `_aliases` call, then deletes the old version: searches never see an empty
  index.

Ranking, the same tiers as the embedded backend: every query word must match
on `text_folded` (AND); pages where every word also matches with its
diacritics (`text_exact`) come first, then pages holding the whole query as a
phrase, then pages matching without OCR tolerance, then BM25 relevance; a
số/ký hiệu in the query also matches the first page of the document carrying it
(`number_key`), ranked above all. Listings without words and date sorts are
sorted on the metadata (`_SORTS`), as the embedded backend sorts them.

What the asker may see (`SearchQuery.scope`: cases, case-less pages, clearance
by the page's `classification`) is a filter of the bool query beside the
filters: aggregations count the query's matches, so totals and facets are
trimmed as much as the hits (no post_filter anywhere).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from pipeline.text import fold, normalize

from .base import FACET_FIELDS, Hit, IndexedPage, Scope, SearchQuery, SearchResult
from .query import (
    FACET_LIMIT,
    FUZZY_MAX_EXPANSIONS,
    FUZZY_PREFIX,
    ParsedQuery,
    date_bounds,
    fuzzy_terms,
    make_snippet,
    number_key,
    number_key_range,
    order_facet,
    parse_query,
    person_words,
    readable_levels,
)

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)

# Score tiers (constant_score boosts added to BM25 of the folded match, which stays far below 100).
EXACT_BOOST, PHRASE_BOOST, STRICT_BOOST = 10_000.0, 1_000.0, 100.0
NUMBER_BOOST = 100_000.0  # a document found by the số/ký hiệu typed: its first page comes first
FUZZY_BOOST = 0.1
BULK_CHUNK = 500
# A write (bulk chunk, refresh, the search for pages to delete) is tried this often on connection errors,
# timeouts, 429 and 5xx, 0.5 s after the first failure and twice as long each time: 15 s in all, a node's
# restart (its shards are unavailable for a few seconds; the writes are idempotent).
WRITE_ATTEMPTS = 6
# A host that failed is left out for 30 s, then 60, 120, 240 s while it keeps failing (opensearch-py's
# ConnectionPool), so a stopped node of several costs one connect timeout per period, not one per request.
DEAD_HOST_SECONDS, DEAD_HOST_DOUBLINGS = 30.0, 3

_DOCUMENT_ORDER = [{"document_id": "asc"}, {"seq": "asc"}]
# The same orders as the embedded backend (index/sqlite_fts.py: _TIES, _ORDERS).
_SORTS = {
    "words": ["_score", {"case_id": {"order": "asc", "missing": "_first"}}, *_DOCUMENT_ORDER],
    "relevance": [  # no words: dossier order
        {"case_id": {"order": "asc", "missing": "_last"}},
        {"date": {"order": "asc", "missing": "_last"}},
        *_DOCUMENT_ORDER,
    ],
    "date": [{"date": {"order": "asc", "missing": "_last"}}, *_DOCUMENT_ORDER],
    "-date": [{"date": {"order": "desc", "missing": "_last"}}, *_DOCUMENT_ORDER],
}

ANALYSIS = {
    "analyzer": {
        # Core only: no asciifolding (folding is done in Python), no ICU.
        "hoso_text": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
    }
}

# Fields a page and a dossier document both carry (filters and facets work the same on both).
_DOCUMENT_FIELDS = {
    "document_id": {"type": "keyword"},
    "case_id": {"type": "keyword"},
    "doc_type": {"type": "keyword"},
    "number": {"type": "keyword"},  # số/ký hiệu, exact
    "date": {"type": "date", "format": "strict_date_optional_time||yyyy-MM||yyyy", "ignore_malformed": True},
    "year": {"type": "keyword"},
    "persons": {"type": "keyword"},
    "persons_folded": {"type": "text", "analyzer": "hoso_text", "position_increment_gap": 100},
    "article": {"type": "integer"},
    "classification": {"type": "keyword"},  # the document's level (pipeline.secrecy): a Scope's clearance filter
}

PAGE_MAPPING = {
    "dynamic": "strict",
    # The tokenized copies are only needed in the inverted index.
    "_source": {"excludes": ["text_exact", "text_folded", "persons_folded"]},
    "properties": {
        **_DOCUMENT_FIELDS,
        "page_id": {"type": "keyword"},
        "seq": {"type": "integer"},
        "number_key": {"type": "keyword"},  # index.query.number_key(number): a số/ký hiệu typed in the box
        "source_file": {"type": "keyword"},
        "batch_id": {"type": "keyword"},
        "batch_page": {"type": "integer"},
        "text": {"type": "text", "index": False},  # the page as OCRed (NFC), for snippets
        "text_exact": {"type": "text", "analyzer": "hoso_text"},
        "text_folded": {"type": "text", "analyzer": "hoso_text"},
    },
}

DOCUMENT_MAPPING = {
    "dynamic": "strict",
    "_source": {"excludes": ["persons_folded"]},
    "properties": {
        **_DOCUMENT_FIELDS,
        "pages": {"type": "integer"},
        "source_files": {"type": "keyword"},
    },
}


class OpenSearchUnavailable(Exception):
    """The cluster cannot be reached or refused the request."""


@contextmanager
def _reachable(url: str | None) -> Iterator[None]:
    """Connection failures and the cluster's 503s as one short message (the cluster is down, not a bug)."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    try:
        yield
    except OSConnectionError as exc:
        raise OpenSearchUnavailable(f"cannot reach OpenSearch at {url}: {exc.error}") from exc
    except TransportError as exc:
        if exc.status_code != 503:
            raise
        cause = exc.info.get("error", {}) if isinstance(exc.info, dict) else {}
        reason = cause.get("reason") if isinstance(cause, dict) else None
        raise OpenSearchUnavailable(
            f"OpenSearch at {url} cannot serve hoso's indices now ({exc.error}{f': {reason}' if reason else ''}):"
            " a stopped node holding the only copy of an index (see opensearch_replicas), or no cluster manager"
        ) from exc


def _tokens(text: str) -> str:
    return " ".join(_WORD.findall(text)).lower()


def _year(date: str | None) -> str | None:
    return date[:4] if date and re.match(r"\d{4}", date) else None


def page_source(page: IndexedPage) -> dict[str, Any]:
    text = normalize(page.text)
    return {
        "page_id": page.page_id,
        "case_id": page.case_id,
        "document_id": page.document_id,
        "seq": page.seq,
        "doc_type": page.doc_type,
        "number": page.number,
        "date": page.date,
        "year": _year(page.date),
        "number_key": number_key(page.number),
        "persons": [unicodedata.normalize("NFC", p) for p in page.persons],
        "persons_folded": [" ".join(person_words(p)) for p in page.persons],
        "article": page.article,
        "source_file": page.source_file,
        "batch_id": page.batch_id,
        "batch_page": page.batch_page,
        "classification": page.classification,
        "text": text,
        "text_exact": _tokens(text),
        "text_folded": _tokens(fold(text)),
    }


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, client: Any, prefix: str = "hoso", *, url: str | None = None, replicas: int | None = None):
        self.client = client
        self.prefix = prefix
        self.url = url
        self.replicas = replicas  # None: auto-expand 0-1 (one copy on a second node when there is one)
        self.pages_alias = f"{prefix}-pages"
        self.documents_alias = f"{prefix}-documents"
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Any) -> OpenSearchBackend:
        """A client for `settings.opensearch_url` (comma-separated for several nodes).

        Nothing is contacted here: a home whose cluster is down still ingests (pages stay
        "not indexed"). A short connect timeout and bounded retries keep that quick. Several hosts
        take requests in turn; a request that fails on one (refused, timed out, 502/504) is
        retried on another, and the failed host is left out for DEAD_HOST_SECONDS and more."""
        import urllib3
        from opensearchpy import OpenSearch

        hosts = [h.strip() for h in str(settings.opensearch_url).split(",") if h.strip()]
        kwargs: dict[str, Any] = {
            "hosts": hosts,
            "timeout": urllib3.Timeout(
                connect=float(settings.opensearch_connect_timeout), read=float(settings.opensearch_timeout)
            ),
            # Enough tries for a request to reach the last live host when the others are down.
            "max_retries": max(2, len(hosts)),
            "retry_on_timeout": True,
            # A proxy's gateway errors. Not 503: that is the cluster's answer (a shard without a copy, no
            # cluster manager), which every node gives alike; retried, it would put a sound node out.
            "retry_on_status": (502, 504),
            "http_compress": False,
            "dead_timeout": DEAD_HOST_SECONDS,
            "timeout_cutoff": DEAD_HOST_DOUBLINGS,
        }
        if settings.opensearch_sniff:  # not on start: nothing is contacted before the first request
            kwargs.update(sniffer_timeout=60, sniff_on_connection_fail=True)
        if settings.opensearch_user:
            kwargs["http_auth"] = (settings.opensearch_user, settings.opensearch_password or "")
        if any(h.startswith("https://") for h in hosts):
            kwargs["use_ssl"] = True
            kwargs["verify_certs"] = bool(settings.opensearch_verify_certs)
            kwargs["ssl_show_warn"] = bool(settings.opensearch_verify_certs)
            if settings.opensearch_ca_certs:
                kwargs["ca_certs"] = settings.opensearch_ca_certs
        return cls(
            OpenSearch(**kwargs),
            settings.opensearch_index_prefix,
            url=",".join(_redact(h) for h in hosts),
            replicas=settings.opensearch_replicas,
        )

    # ---- indices and aliases --------------------------------------------------------------

    def _versions(self) -> list[int]:
        """Versions N of existing `<prefix>-pages-v<N>` indices."""
        found = self.client.indices.get(index=f"{self.pages_alias}-v*", params={"expand_wildcards": "all"})
        pattern = re.compile(re.escape(self.pages_alias) + r"-v(\d+)$")
        return sorted(int(m.group(1)) for name in found if (m := pattern.match(name)))

    def _live_indices(self) -> dict[str, list[str]]:
        """alias → concrete indices it points at (empty when the alias does not exist)."""
        out: dict[str, list[str]] = {}
        for alias in (self.pages_alias, self.documents_alias):
            found = self.client.indices.get_alias(name=alias, ignore=404)  # 404: no such alias (yet), not an error
            out[alias] = [] if found.get("status") == 404 and "error" in found else sorted(found)
        return out

    def _create(self, version: int, *, loading: bool = False) -> tuple[str, str]:
        pages, documents = f"{self.pages_alias}-v{version}", f"{self.documents_alias}-v{version}"
        settings: dict[str, Any] = {"number_of_shards": 1, **self._replica_settings(), "analysis": ANALYSIS}
        if loading:  # a bulk load into an index nobody searches yet: refresh once at the end
            settings["refresh_interval"] = "-1"
        self.client.indices.create(index=pages, body={"settings": settings, "mappings": PAGE_MAPPING})
        self.client.indices.create(index=documents, body={"settings": settings, "mappings": DOCUMENT_MAPPING})
        return pages, documents

    def _replica_settings(self) -> dict[str, Any]:
        if self.replicas is None:
            return {"auto_expand_replicas": "0-1"}
        return {"auto_expand_replicas": "false", "number_of_replicas": self.replicas}

    def _apply_replicas(self) -> None:
        """Indices made with another replica count take the configured one (a dynamic setting: the
        cluster copies or drops shard copies in the background). Unset, existing indices keep theirs."""
        if self.replicas is None:
            return
        found = self.client.indices.get_settings(
            index=f"{self.pages_alias},{self.documents_alias}", params={"flat_settings": "true"}
        )
        stale = [
            name
            for name, index in found.items()
            if index["settings"].get("index.number_of_replicas") != str(self.replicas)
            or index["settings"].get("index.auto_expand_replicas", "false") != "false"
        ]
        if stale:
            self.client.indices.put_settings(index=",".join(stale), body={"index": self._replica_settings()})
            log.info("%s: %d replica(s) per shard from now on", ", ".join(stale), self.replicas)

    def _ensure(self) -> None:
        """Create version 1 (or the next free version) behind the aliases on first use."""
        if self._ready:
            return
        from opensearchpy.exceptions import RequestError

        live = self._live_indices()
        if not live[self.pages_alias] or not live[self.documents_alias]:
            if self.client.indices.exists(index=self.pages_alias) and not live[self.pages_alias]:
                raise OpenSearchUnavailable(
                    f"{self.pages_alias} is a concrete index, not an alias; delete it "
                    "or choose another opensearch_index_prefix"
                )
            version = max(self._versions(), default=0) + 1
            try:
                pages, documents = self._create(version)
                actions = [
                    {"add": {"index": pages, "alias": self.pages_alias}},
                    {"add": {"index": documents, "alias": self.documents_alias}},
                ]
                for alias, indices in live.items():
                    actions += [{"remove": {"index": i, "alias": alias}} for i in indices]
                self.client.indices.update_aliases(body={"actions": actions})
            except RequestError as exc:  # another process created it at the same moment
                if "resource_already_exists" not in str(exc):
                    raise
        else:
            self._add_classifications()
            self._add_number_keys()
            self._apply_replicas()
        self._ready = True

    def _lacking(self, alias: str, field: str) -> bool:
        """Does an index behind `alias` not map `field` yet (made by an older version)?"""
        mappings = self.client.indices.get_mapping(index=alias)
        return not all(field in m["mappings"].get("properties", {}) for m in mappings.values())

    def _add_classifications(self) -> None:
        """Indices made before pages carried their level: map it (records carrying it are refused otherwise).
        The pages already there have none, so no narrower clearance finds them (the scope filters on the
        level's presence) until `hoso reindex` sends them again from the catalog."""
        for alias in (self.pages_alias, self.documents_alias):
            if self._lacking(alias, "classification"):
                self.client.indices.put_mapping(
                    index=alias, body={"properties": {"classification": _DOCUMENT_FIELDS["classification"]}}
                )
                log.warning(
                    "%s: classification mapped; run `hoso reindex` to give it to the pages indexed before", alias
                )

    def _add_number_keys(self) -> None:
        """Indices made before `number_key` existed: map it (pages carrying it are refused otherwise) and
        give it to the pages already there."""
        from opensearchpy import helpers

        if not self._lacking(self.pages_alias, "number_key"):
            return
        self.client.indices.put_mapping(
            index=self.pages_alias, body={"properties": {"number_key": PAGE_MAPPING["properties"]["number_key"]}}
        )
        missing = {
            "bool": {"filter": [{"exists": {"field": "number"}}], "must_not": [{"exists": {"field": "number_key"}}]}
        }
        self._bulk(
            {
                "_op_type": "update",
                "_index": hit["_index"],
                "_id": hit["_id"],
                "doc": {"number_key": number_key(hit["_source"]["number"])},
            }
            for hit in helpers.scan(
                self.client, query={"query": missing, "_source": ["number"]}, index=self.pages_alias
            )
        )
        self._refresh(self.pages_alias)

    def drop(self) -> None:
        """Delete every index of this prefix (tests, `reindex --recreate` away from OpenSearch)."""
        for pattern in (f"{self.pages_alias}-v*", f"{self.documents_alias}-v*"):
            names = list(self.client.indices.get(index=pattern, params={"expand_wildcards": "all"}))
            if names:
                self.client.indices.delete(index=",".join(names))
        self._ready = False

    # ---- writing ------------------------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict]) -> int:
        """Send actions in chunks; each chunk is retried with backoff on 429, 5xx and connection errors.

        `_id`s are deterministic, so sending a chunk twice is harmless."""
        from opensearchpy import helpers

        done = 0
        chunk: list[dict] = []

        def flush() -> int:
            ok = 0
            for success, item in helpers.streaming_bulk(
                self.client,
                chunk,
                chunk_size=len(chunk),
                max_retries=5,
                initial_backoff=1,
                max_backoff=30,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                op, result = next(iter(item.items()))
                if success or (op == "delete" and result.get("status") == 404):
                    ok += 1
                else:
                    raise OpenSearchUnavailable(f"bulk {op} of {result.get('_id')} failed: {result.get('error')}")
            return ok

        for action in actions:
            chunk.append(action)
            if len(chunk) >= BULK_CHUNK:
                done += _with_retries("bulk chunk", flush)
                chunk = []
        if chunk:
            done += _with_retries("bulk chunk", flush)
        return done

    def _page_actions(self, pages: Iterable[IndexedPage], index: str, documents: dict[str, dict]) -> Iterator[dict]:
        for page in pages:
            source = page_source(page)
            yield {"_op_type": "index", "_index": index, "_id": page.page_id, "_source": source}
            doc = documents.get(page.document_id)
            if doc is None:
                documents[page.document_id] = doc = {
                    "document_id": page.document_id,
                    "case_id": page.case_id,
                    "doc_type": page.doc_type,
                    "number": page.number,
                    "date": page.date,
                    "year": source["year"],
                    "persons": source["persons"],
                    "persons_folded": source["persons_folded"],
                    "article": page.article,
                    "classification": page.classification,
                    "pages": 0,
                    "source_files": [],
                }
            doc["pages"] = max(doc["pages"], page.seq)
            if page.source_file and page.source_file not in doc["source_files"]:
                doc["source_files"].append(page.source_file)

    def _load(self, pages: Iterable[IndexedPage], pages_index: str, documents_index: str) -> int:
        documents: dict[str, dict] = {}
        count = self._bulk(self._page_actions(pages, pages_index, documents))
        self._bulk(
            {"_op_type": "index", "_index": documents_index, "_id": d["document_id"], "_source": d}
            for d in documents.values()
        )
        return count

    def _refresh(self, *indices: str) -> None:
        _with_retries("refresh", lambda: self.client.indices.refresh(index=",".join(indices)))

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        with _reachable(self.url):
            self._ensure()
            count = self._load(pages, self.pages_alias, self.documents_alias)
            self._refresh(self.pages_alias, self.documents_alias)  # searchable on return
        return count

    def _page_ids_of(self, document_ids: list[str]) -> Iterator[str]:
        """Pages sorted by id, 1000 at a time after the last one seen: each request stands alone (a
        scroll's context lives on one node, and is lost if that node stops between two requests)."""
        for i in range(0, len(document_ids), 1000):
            body: dict[str, Any] = {
                "query": {"terms": {"document_id": document_ids[i : i + 1000]}},
                "_source": False,
                "size": 1000,
                "sort": [{"page_id": "asc"}],
            }
            while True:
                found = _with_retries("search", partial(self.client.search, index=self.pages_alias, body=body))
                hits = found["hits"]["hits"]
                yield from (hit["_id"] for hit in hits)
                if len(hits) < body["size"]:
                    break
                body["search_after"] = hits[-1]["sort"]

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        ids = sorted(set(document_ids))
        if not ids:
            return
        with _reachable(self.url):
            self._ensure()
            # No _delete_by_query on a core cluster: find the pages' ids, delete them by id.
            page_ids = list(self._page_ids_of(ids))
            actions = [{"_op_type": "delete", "_index": self.pages_alias, "_id": pid} for pid in page_ids]
            actions += [{"_op_type": "delete", "_index": self.documents_alias, "_id": did} for did in ids]
            self._bulk(actions)
            self._refresh(self.pages_alias, self.documents_alias)

    def replace_documents(self, document_ids: list[str], pages: Iterable[IndexedPage]) -> int:
        self.delete_documents(document_ids)
        return self.index_pages(pages)

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        """Load a new version, swap both aliases in one call, delete the old version."""
        with _reachable(self.url):
            return self._rebuild(pages)

    def _rebuild(self, pages: Iterable[IndexedPage]) -> int:
        live = self._live_indices()
        version = max(self._versions(), default=0) + 1
        new_pages, new_documents = self._create(version, loading=True)
        try:
            count = self._load(pages, new_pages, new_documents)
            self.client.indices.put_settings(
                index=f"{new_pages},{new_documents}", body={"index": {"refresh_interval": None}}
            )
            self._refresh(new_pages, new_documents)
            self._force_merge(new_pages, new_documents)
            actions = [
                {"add": {"index": new_pages, "alias": self.pages_alias}},
                {"add": {"index": new_documents, "alias": self.documents_alias}},
            ]
            for alias, indices in live.items():
                actions += [{"remove": {"index": i, "alias": alias}} for i in indices]
            self.client.indices.update_aliases(body={"actions": actions})
        except BaseException:
            self.client.indices.delete(index=f"{new_pages},{new_documents}", params={"ignore_unavailable": "true"})
            raise
        old = [i for indices in live.values() for i in indices]
        if old:
            self.client.indices.delete(index=",".join(old), params={"ignore_unavailable": "true"})
        self._ready = True
        return count

    def _force_merge(self, *indices: str) -> None:
        """One segment per fresh index before it goes live (nobody writes to it yet): faster searches."""
        try:
            self.client.indices.forcemerge(
                index=",".join(indices), params={"max_num_segments": 1, "request_timeout": 3600}
            )
        except Exception as exc:  # an optimisation only
            log.warning("force merge of %s failed: %s", ", ".join(indices), exc)

    # ---- searching ----------------------------------------------------------------------------

    def _filters(self, query: SearchQuery) -> list[dict]:
        """The bool filters of the query's filters and of its scope. Aggregations count the query's
        matches, so the scope trims totals and facets as much as hits."""
        filters = self._scope(query.scope)
        for field, value in (("case_id", query.case_id), ("doc_type", query.doc_type), ("number", query.number)):
            if value:
                filters.append({"term": {field: value}})
        if query.article is not None:
            filters.append({"term": {"article": query.article}})
        if query.person:
            wanted = " ".join(person_words(query.person))
            # An empty name matches nobody (as in the embedded backend).
            filters.append({"match_phrase": {"persons_folded": wanted}} if wanted else {"match_none": {}})
        lo, hi = date_bounds(query.date_from, query.date_to)
        if lo or hi:
            filters.append({"range": {"date": {k: v for k, v in (("gte", lo), ("lte", hi)) if v}}})
        return filters

    @staticmethod
    def _scope(scope: Scope) -> list[dict]:
        """What the asking user may see, as filters; none for a scope that narrows nothing."""
        filters: list[dict] = []
        no_case = {"bool": {"must_not": [{"exists": {"field": "case_id"}}]}}
        if scope.cases is not None:  # () keeps no case
            assigned = {"terms": {"case_id": list(scope.cases)}}
            filters.append(
                {"bool": {"should": [assigned, no_case], "minimum_should_match": 1}} if scope.unassigned else assigned
            )
        elif not scope.unassigned:
            filters.append({"exists": {"field": "case_id"}})
        levels = readable_levels(scope.clearance)
        if levels is not None:  # a page without its level (indexed before it was mapped) matches no key
            filters.append({"terms": {"classification": list(levels)}})
        return filters

    @staticmethod
    def _words_query(field: str, phrase: list[str]) -> dict:
        text = " ".join(phrase)
        return (
            {"match": {field: {"query": text, "operator": "and"}}}
            if len(phrase) == 1
            else {"match_phrase": {field: text}}
        )

    @staticmethod
    def _number_query(key: str) -> dict:
        """First pages of the documents whose số/ký hiệu is `key` or continues it (ParsedQuery.numbers)."""
        lo, hi = number_key_range(key)
        return {
            "constant_score": {
                "filter": {
                    "bool": {
                        "filter": [{"term": {"seq": 1}}],
                        "should": [{"term": {"number_key": key}}, {"range": {"number_key": {"gte": lo, "lt": hi}}}],
                        "minimum_should_match": 1,
                    }
                },
                "boost": NUMBER_BOOST,
                "_name": "number",
            }
        }

    def build_query(self, parsed: ParsedQuery, query: SearchQuery) -> dict:
        """The bool query: AND on text_folded (+ fuzzy alternatives), tiers as `should` constant scores.

        Without words: every page the filters keep."""
        if not parsed:
            return {"bool": {"filter": self._filters(query)}}
        fuzzy = set(fuzzy_terms(parsed))
        numbers = {key for key, _ in parsed.numbers()}
        must, strict, phrases = [], [], []
        for phrase in parsed.folded_phrases:
            plain = self._words_query("text_folded", phrase)
            strict.append(plain)
            if len(phrase) > 1:
                # Adjacency as a filter (a phrase is only checked for one occurrence, and cached);
                # scoring by its words: computing phrase frequencies over every match is the
                # costly part of a phrase query.
                words = {"match": {"text_folded": {"query": " ".join(phrase), "operator": "and"}}}
                key = " ".join(phrase)
                if key in numbers:  # in the text, or the document's số/ký hiệu
                    text = {"bool": {"must": [words], "filter": [plain]}}
                    must.append({"bool": {"should": [text, self._number_query(key)], "minimum_should_match": 1}})
                else:
                    phrases.append(plain)
                    must.append(words)
            elif phrase[0] in fuzzy:
                must.append(
                    {
                        "bool": {
                            "should": [
                                plain,
                                {
                                    "fuzzy": {
                                        "text_folded": {
                                            "value": phrase[0],
                                            "fuzziness": 1,
                                            "prefix_length": FUZZY_PREFIX,
                                            "max_expansions": FUZZY_MAX_EXPANSIONS,
                                            "transpositions": True,
                                            "boost": FUZZY_BOOST,
                                        }
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    }
                )
            else:
                must.append(plain)
        exact = [self._words_query("text_exact", [w.lower() for w in phrase]) for phrase in parsed.phrases]
        should: list[dict] = [
            {"constant_score": {"filter": {"bool": {"must": exact}}, "boost": EXACT_BOOST, "_name": "exact"}},
        ]
        whole = [w for phrase in parsed.folded_phrases for w in phrase]
        if len(whole) > 1 and len(parsed.phrases) > 1:  # one phrase: `must` already holds it
            should.append(
                {
                    "constant_score": {
                        "filter": {"match_phrase": {"text_folded": " ".join(whole)}},
                        "boost": PHRASE_BOOST,
                        "_name": "phrase",
                    }
                }
            )
        if fuzzy:
            should.append(
                {"constant_score": {"filter": {"bool": {"must": strict}}, "boost": STRICT_BOOST, "_name": "strict"}}
            )
        return {"bool": {"must": must, "should": should, "filter": phrases + self._filters(query)}}

    def search(self, query: SearchQuery) -> SearchResult:
        from opensearchpy.exceptions import NotFoundError

        parsed = parse_query(query.text)
        if not parsed and not query.filtered:  # nothing asked, nothing found
            return SearchResult(hits=[], total=0, facets={name: {} for name in query.facets} if query.facets else None)
        body: dict[str, Any] = {
            "query": self.build_query(parsed, query),
            "from": query.offset,
            "size": query.limit,
            "track_total_hits": True,
            "_source": ["case_id", "document_id", "seq", "doc_type", "text"],
            "sort": _SORTS["words" if parsed and query.sort == "relevance" else query.sort],
        }
        if query.facets:
            order = [{"_count": "desc"}, {"_key": "asc"}]  # as index.query.order_facet
            body["aggs"] = {
                name: {"terms": {"field": FACET_FIELDS[name], "size": FACET_LIMIT, "order": order}}
                for name in query.facets
            }
        try:
            with _reachable(self.url):
                response = self.client.search(index=self.pages_alias, body=body)
        except NotFoundError:  # nothing indexed yet
            return SearchResult(hits=[], total=0, facets={name: {} for name in query.facets} if query.facets else None)
        hits = []
        for raw in response["hits"]["hits"]:
            src = raw["_source"]
            hits.append(
                Hit(
                    case_id=src.get("case_id"),
                    document_id=src["document_id"],
                    seq=int(src["seq"]),
                    doc_type=src["doc_type"],
                    score=round(float(raw.get("_score") or 0.0), 4),
                    snippet=make_snippet(src.get("text") or "", parsed),
                    exact="exact" in raw.get("matched_queries", []),
                )
            )
        facets = None
        if query.facets:
            facets = {
                name: order_facet(name, {b["key"]: b["doc_count"] for b in response["aggregations"][name]["buckets"]})
                for name in query.facets
            }
        return SearchResult(hits=hits, total=int(response["hits"]["total"]["value"]), facets=facets)

    # ---- the rest -----------------------------------------------------------------------------

    def info(self) -> dict:
        """Version, health, alias → index and document counts (for `hoso doctor`)."""
        with _reachable(self.url):
            return self._info()

    def _info(self) -> dict:
        server = self.client.info()
        health = self.client.cluster.health()
        live = self._live_indices()
        counts = {}
        for alias, indices in live.items():
            counts[alias] = int(self.client.count(index=alias)["count"]) if indices else 0
        return {
            "backend": self.name,
            "url": self.url,
            "version": server["version"]["number"],
            "cluster": server.get("cluster_name"),
            "health": health["status"],
            "aliases": {
                alias: (indices[0] if len(indices) == 1 else indices or None) for alias, indices in live.items()
            },
            "pages": counts[self.pages_alias],
            "documents": counts[self.documents_alias],
        }

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # closing must never mask the real outcome
            pass


def _redact(url: str) -> str:
    """A URL without credentials (user:password@) for display."""
    return re.sub(r"//[^/@]*@", "//", url)


T = TypeVar("T")


def _with_retries(what: str, call: Callable[[], T]) -> T:
    """`call` (idempotent), again after a connection error, a timeout, 429 or a 5xx, with backoff."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    delay = 0.5
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return call()
        except (OSConnectionError, TransportError) as exc:
            status = getattr(exc, "status_code", None)
            retryable = isinstance(exc, OSConnectionError) or status in (429, 502, 503, 504)
            if not retryable or attempt == WRITE_ATTEMPTS:
                raise
            log.warning("%s failed (%s), retry %d in %.1f s", what, exc, attempt, delay)
            time.sleep(delay)
            delay = min(delay * 2, 10)
    raise AssertionError("unreachable")
