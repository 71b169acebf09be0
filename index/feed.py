"""Turn catalog documents into index records: the index is always rebuildable from the catalog."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from pipeline.store.catalog import Catalog, DocumentRow

from .base import IndexedPage, SearchBackend


def pages_of(catalog: Catalog, documents: Iterable[DocumentRow]) -> Iterator[IndexedPage]:
    source_names: dict[str, list[dict]] = {}
    for doc in documents:
        texts = catalog.page_texts([(batch_id, number) for batch_id, number, *_ in doc.pages])
        persons = [p["name"] for p in doc.persons]
        for seq, ((batch_id, number, *_), text) in enumerate(zip(doc.pages, texts, strict=True), 1):
            if batch_id not in source_names:
                source_names[batch_id] = catalog.batch(batch_id)["originals"]
            originals = source_names[batch_id]
            original = originals[number - 1] if len(originals) > 1 else originals[0]
            yield IndexedPage(
                case_id=doc.case_id, document_id=doc.id, seq=seq, doc_type=doc.type, text=text,
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
