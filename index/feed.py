"""Turn catalog documents into index records: the index is always rebuildable from the catalog."""
from __future__ import annotations

from itertools import islice
from typing import Callable, Iterable, Iterator

from pipeline.store.catalog import Catalog, DocumentRow

from .base import IndexedPage, SearchBackend


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
                    case_id=doc.case_id, document_id=doc.id, seq=seq, doc_type=doc.type, text=next(texts),
                    number=doc.number, date=doc.date, persons=persons, article=doc.article,
                    source_file=original["name"], batch_id=batch_id, batch_page=number,
                )


def index_documents(
    catalog: Catalog, backend: SearchBackend, documents: list[DocumentRow],
    track: Callable[[Iterator[IndexedPage]], Iterable[IndexedPage]] = lambda pages: pages,
) -> int:
    """Replace these documents' pages in the index and mark them indexed, in one catalog transaction.

    `track` sees every page on its way to the backend (a progress bar). Returns the pages indexed.
    """
    with catalog.transaction():
        backend.delete_documents([d.id for d in documents])
        count = backend.index_pages(track(pages_of(catalog, documents)))
        catalog.set_indexed([d.id for d in documents], True)
    return count
