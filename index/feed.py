"""Turn catalog documents into index records: the index is always rebuildable from the catalog.

No catalog write transaction is held while a backend works (OpenSearch is a network call; a
watcher must not wait for a whole reindex): documents are marked indexed afterwards, in a short
transaction, and only if the index got what the catalog still holds — the document was not
written again meanwhile (its revision) and the index was not rebuilt meanwhile (the generation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from pipeline.store.catalog import Catalog, DocumentRow

from .base import IndexedPage, SearchBackend

# Bumped by each rebuild: what was sent to the index before it may be in the index it replaced.
INDEX_GENERATION = "index_generation"
DOCUMENTS_PER_STEP = 100  # each step replaces its documents, then marks them, on its own

Track = Callable[[Iterator[IndexedPage]], Iterable[IndexedPage]]


# Documents whose page texts are read in one catalog query (the texts of a whole home need not fit in memory).
DOCUMENTS_PER_READ = 200


def pages_of(catalog: Catalog, documents: Iterable[DocumentRow]) -> Iterator[IndexedPage]:
    source_names: dict[str, list[dict]] = {}
    documents = iter(documents)
    while chunk := list(islice(documents, DOCUMENTS_PER_READ)):
        texts = iter(catalog.page_texts([(b, n) for doc in chunk for b, n, *_ in doc.pages]))
        unknown = list(dict.fromkeys(b for doc in chunk for b, *_ in doc.pages if b not in source_names))
        source_names.update((b["id"], b["originals"]) for b in catalog.batches(unknown))
        for doc in chunk:
            persons = [p["name"] for p in doc.persons]
            for seq, (batch_id, number, *_) in enumerate(doc.pages, 1):
                originals = source_names[batch_id]
                original = originals[number - 1] if len(originals) > 1 else originals[0]
                yield IndexedPage(
                    case_id=doc.case_id,
                    document_id=doc.id,
                    seq=seq,
                    doc_type=doc.type,
                    text=next(texts),
                    number=doc.number,
                    date=doc.date,
                    persons=persons,
                    article=doc.article,
                    source_file=original["name"],
                    batch_id=batch_id,
                    batch_page=number,
                    classification=doc.classification,
                )


def index_documents(
    catalog: Catalog,
    backend: SearchBackend,
    documents: list[DocumentRow],
    track: Track = lambda pages: pages,
) -> int:
    """Replace these documents' pages in the index and mark them indexed, DOCUMENTS_PER_STEP at a time.

    `track` sees every page on its way to the backend (a progress bar). Returns the pages indexed.
    A failure leaves the documents of the failed step and after it marked not indexed.
    """
    count = 0
    for start in range(0, len(documents), DOCUMENTS_PER_STEP):
        step = documents[start : start + DOCUMENTS_PER_STEP]
        with catalog.transaction():  # until the index holds them again: a failure half-way leaves them so
            catalog.set_indexed([d.id for d in step], False)
            generation = catalog.get_meta(INDEX_GENERATION)
        count += backend.replace_documents([d.id for d in step], track(pages_of(catalog, step)))
        with catalog.transaction():
            if catalog.get_meta(INDEX_GENERATION) == generation:
                catalog.mark_indexed({d.id: d.revision for d in step})
    return count


def rebuild_index(
    catalog: Catalog,
    backend: SearchBackend,
    documents: list[DocumentRow],
    track: Track = lambda pages: pages,
) -> tuple[int, int]:
    """Build a fresh index from `documents` (every document of the catalog, as just read) and make it
    the live one; then index what was written while it was built. Returns (documents, pages) indexed."""
    count = backend.rebuild(track(pages_of(catalog, documents)))
    with catalog.transaction():
        # What others indexed during the rebuild may have gone to the index it replaced.
        catalog.set_meta(INDEX_GENERATION, str(int(catalog.get_meta(INDEX_GENERATION) or 0) + 1))
        catalog.mark_all_unindexed()
        catalog.mark_indexed({d.id: d.revision for d in documents})
    behind = [d for d in catalog.documents(all_cases=True) if not d.indexed]
    count += index_documents(catalog, backend, behind, track)
    return len({d.id for d in documents + behind}), count
