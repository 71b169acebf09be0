"""Drafting a batch's documents: each page's layout is read once, whatever split, classify and extract need."""

from __future__ import annotations

from collections import Counter

from pipeline.models import PageText
from pipeline.stages import layout
from pipeline.stages.documents import find_documents
from pipeline.taxonomy import load_taxonomy


def test_each_page_layout_is_read_once_per_batch(truth, monkeypatch):
    reads: Counter[int] = Counter()
    read_order = layout.read_order

    def counted(page: PageText) -> layout.Reading:
        reads[page.number] += 1
        return read_order(page)

    # Every way into a page's layout (read_layout, and through it the header, title and lines) reads
    # the page in reading order first.
    monkeypatch.setattr(layout, "read_order", counted)
    batch = max(truth["batches"], key=lambda b: sum(len(d["text"]) for d in b["documents"]))  # the most pages
    pages = [PageText(doc["pages"][0] + i, text) for doc in batch["documents"] for i, text in enumerate(doc["text"])]
    last = pages[-1].number
    pages += [PageText(last + 1, "", blank=True), PageText(last + 2, "HOSO:SEP"), PageText(last + 3, pages[0].text)]

    drafts = find_documents("batch", pages, load_taxonomy())

    assert [[d.pages[0].number, d.pages[-1].number] for d in drafts] == [doc["pages"] for doc in batch["documents"]] + [
        [last + 3, last + 3]
    ]
    assert len(batch["documents"]) >= 3 and any(len(d.pages) >= 2 for d in drafts)
    assert reads == {page.number: 1 for page in pages}
