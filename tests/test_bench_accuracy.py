"""bench/accuracy.py's scoring on tiny hand-made inputs: no OCR, no corpus."""

from __future__ import annotations

import importlib.util
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from pipeline.models import Classification, DocumentDraft, Metadata, PageRef, PageText, Word
from pipeline.stages.correct import correct_page
from pipeline.text import words

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_accuracy", REPO / "bench" / "accuracy.py")
acc = importlib.util.module_from_spec(_spec)
sys.modules["bench_accuracy"] = acc  # dataclasses look their module up
_spec.loader.exec_module(acc)


def label(**over) -> dict:
    doc = {
        "issuer": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "number": "47/QĐ-UBND",
        "date": "2025-01-17",
        "title": "QUYẾT ĐỊNH",
        "subtitle": "Về việc ban hành kế hoạch phòng chống thiên tai",
        "generic_type": "quyet_dinh",
        "pages": [1, 2],
        "number_handwritten": True,
        "day_handwritten": True,
    }
    return {**doc, **over}


def draft(first: int, doc_type: str = "khac", batch: str = "b", **meta) -> DocumentDraft:
    return DocumentDraft(
        pages=[PageRef(batch, first)], classification=Classification(doc_type, 0.9), metadata=Metadata(**meta)
    )


# --- pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, symbol",
    [
        ("47/QĐ-UBND", "QĐ-UBND"),
        ("54/2024/HS-ST", "HS-ST"),
        ("574/UBND-KTTH", "UBND-KTTH"),
        ("", ""),
        (None, None),
    ],
)
def test_symbol_of(number, symbol):
    assert acc.symbol_of(number) == symbol


def test_issuer_compared_folded():
    assert acc.same("issuer", "Uỷ ban nhân dân tỉnh Quảng Ngãi", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    assert acc.same("issuer", "HĐND TỈNH HƯNG YÊN VĂN PHÒNG", "HĐND TỈNH HƯNG YÊN / VĂN PHÒNG")
    assert acc.same("issuer", "HĐND tỉnh Hưng Yên,\n  Văn phòng.", "HĐND TỈNH HƯNG YÊN / VĂN PHÒNG")
    assert not acc.same("issuer", "HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    assert not acc.same("issuer", None, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    assert acc.issuer_key("Đ/c  Sở") == "D C SO"


def test_real_dev_label_gives_expected_values():
    want = acc.expected(acc.real_dev_doc(label()))
    assert want["type"] == "quyet_dinh"
    assert want["number"] == "47/QĐ-UBND" and want["symbol"] == "QĐ-UBND"
    assert want["date"] == "2025-01-17" and want["month"] == "2025-01"
    assert want["issuer"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    # real-dev tells neither register stamps nor marks: not measured
    assert want["received_number"] is None and want["received_date"] is None and want["mark"] is None


def test_real_dev_draft_counts_for_type_and_issuer_only():
    doc = acc.real_dev_doc(
        label(number=None, date=None, generic_type="nghi_quyet", issuer="HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI")
    )
    assert doc.draft
    want = acc.expected(doc)
    assert [n for n in want if acc.measured(n, want)] == ["type", "issuer"]
    # a symbol read from the blank 'Số: /NQ-HĐND' is neither right nor a silent wrong
    got = {**dict.fromkeys(want), "type": "nghi_quyet", "symbol": "NQ-HĐND", "number": "1/NQ-HĐND"}
    assert acc.silent_wrong(got, want) == {"type": (0, 1)}


def test_silent_wrong_counts_stored_values_only():
    want = acc.expected(acc.real_dev_doc(label()))
    got = {
        **dict.fromkeys(want),
        "type": "khac",
        "number": None,
        "symbol": "QĐ-UBND",
        "date": "2025-01-11",
        "month": "2025-01",
        "issuer": "UỶ BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    }
    # "khac" and an empty number are not stored; the month is not a silent-wrong field
    assert acc.silent_wrong(got, want) == {"symbol": (0, 1), "date": (1, 1), "issuer": (0, 1)}
    assert acc.silent_wrong({**got, "type": "chi_thi", "number": ""}, want)["type"] == (1, 1)
    assert acc.silent_wrong(None, want) == {}  # a missed document stores nothing


def test_received_on_a_document_without_a_stamp_is_silent_wrong():
    doc = acc.TruthDoc(
        first=1,
        last=1,
        type="ban_an",
        number="31/2024/HS-ST",
        date="2024-12-28",
        received=None,
        mark="",
        has_received=True,
    )
    want = acc.expected(doc)
    assert want["received_number"] == "" and not acc.measured("received_number", want)
    assert acc.measured("mark", want)  # no mark is a value to get right
    got = {**dict.fromkeys(want), "type": "ban_an", "received_number": "26", "received_date": None}
    assert acc.silent_wrong(got, want) == {"type": (0, 1), "received_number": (1, 1)}
    assert acc.same("mark", None, want["mark"]) and not acc.same("mark", "MẬT", want["mark"])


def test_subtitle_share_is_folded_and_order_free():
    subtitle = "Về việc tăng cường công tác phòng, chống tham nhũng"
    assert acc.subtitle_share(subtitle, "ve viec TANG CUONG cong tac\nphong chong tham nhung") == 1.0
    assert acc.subtitle_share(subtitle, "Ký bởi: Ủy ban nhân dân tỉnh") == 0.0
    assert acc.subtitle_share(subtitle, "Về việc tăng cường công tác") == pytest.approx(6 / 10)


def test_page_reasons():
    scan = acc.TruthBatch("a.pdf", None, [], [], kind="scan", blank_backs=True)
    digital = acc.TruthBatch("b.pdf", None, [], [], kind="born_digital")
    assert acc.page_reason(PageText(1, "x", layer="kept"), scan) == ("kept text layer on a scan", False)
    assert acc.page_reason(PageText(1, "x", layer="kept"), digital)[1]
    assert acc.page_reason(PageText(2, "", layer="none", blank=True), scan) == ("blank", True)
    assert not acc.page_reason(PageText(1, "", layer="none", blank=True), scan)[1]
    assert not acc.page_reason(PageText(2, "", layer="none", blank=True), digital)[1]
    assert acc.page_reason(PageText(1, "", layer="none", barcodes=["HOSO:SEP"]), digital) == ("separator", True)


def test_layer_checked_against_the_pages_tesseract_read():
    assert acc.effective_layer(PageText(1, "Ký bởi: Ủy ban"), [2]) == ("kept", True)  # default "ocr", never read
    assert acc.effective_layer(PageText(2, "", blank=True), [1]) == ("none", True)
    assert acc.effective_layer(PageText(1, "x"), [1]) == ("ocr", False)
    assert acc.effective_layer(PageText(1, "x", layer="kept"), [2]) == ("kept", False)
    assert acc.effective_layer(PageText(1, "x", layer="kept"), None) == ("kept", False)  # the truth text


def test_truth_stamps_sit_on_their_marked_page():
    doc = {
        "pages": [3, 4],
        "received": {"number": "26", "date": "2025-01-03"},
        "received_stamp": "ĐẾN Số: 26",
        "classification_mark": "MẬT",
    }
    marks = [[], [], ["classification_mark"], ["received_stamp"]]
    stamps = acc.truth_stamps(doc, marks)
    assert [(s.kind, s.number, s.mark) for s in stamps[4]] == [("received", "26", None)]
    assert [(s.kind, s.mark) for s in stamps[3]] == [("classification", "MẬT")]
    assert list(acc.truth_stamps(doc, None)) == [3]


def test_cache_key_follows_the_ocr_code():
    files = [REPO / "pyproject.toml"] if (REPO / "pyproject.toml").exists() else [Path(__file__)]
    code = acc.ocr_code_hash()
    assert code == acc.ocr_code_hash()
    assert acc.cache_key(files, "vie", code) != acc.cache_key(files, "vie", "other code")
    assert acc.cache_key(files, "vie", code) != acc.cache_key(files, "vie+eng", code)
    assert REPO / "pipeline" / "models.py" in acc._imports(REPO / "pipeline" / "stages" / "ocr.py")
    # the stamp reader's handwriting module, and the models it runs, count too
    assert REPO / "pipeline" / "stages" / "handwriting.py" in acc._imports(REPO / "pipeline" / "stages" / "stamps.py")


# --- score() with hand-made documents (find_documents stubbed) --------------------------------


def test_score_real_dev(monkeypatch):
    batch = acc.TruthBatch(
        "qng_x.pdf",
        None,
        [],
        [
            acc.real_dev_doc(label(pages=[1, 2])),
            acc.real_dev_doc(
                label(
                    number=None,
                    date=None,
                    generic_type="nghi_quyet",
                    pages=[3, 3],
                    issuer="HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI",
                    subtitle="Bãi bỏ nghị quyết",
                )
            ),
        ],
        kind="scan",
    )
    found = [
        draft(
            1,
            "quyet_dinh",
            number=None,
            symbol="QĐ-UBND",
            date=None,
            month="2025-01",
            issuer="ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
            review=["number", "date"],
        ),
        draft(3, "nghi_quyet", symbol="NQ-HĐND", issuer="HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI"),
    ]
    monkeypatch.setattr(acc, "find_documents", lambda batch_id, pages, taxonomy: found)
    pages = [
        PageText(1, "Về việc ban hành kế hoạch phòng chống thiên tai", layer="ocr"),
        PageText(2, "", layer="none", blank=True),
        PageText(3, "Ký bởi", layer="kept"),
    ]
    report = acc.score("real-dev", [batch], [(pages, [1, 2, 3], None)], ocr=True)
    assert report["documents"] == 2 and report["drafts"] == 1
    assert report["boundary_f1"] == 1.0
    assert report["counts"]["type_accuracy"] == [2, 2]
    assert report["counts"]["symbol_exact"] == [1, 1]  # the draft is not measured
    assert report["counts"]["number_exact"] == [0, 1] and report["counts"]["month_exact"] == [1, 1]
    assert report["counts"]["issuer_exact"] == [2, 2]
    assert report["silent_wrong"]["wrong"] == 0 and report["silent_wrong"]["stored"] == 5
    assert report["review"] == {"entries": 2, "documents": 1, "by_field": {"date": 1, "number": 1}}
    assert report["pages"] == {"total": 3, "ocr": 1, "kept": 1, "none": 1}
    assert [p["real"] for p in report["pages_not_ocred"]] == [False, False]  # not labelled blank; kept on a scan
    assert report["pages_read"] == round(1 / 3, 4)
    assert report["page1_subtitle"] == 1.0
    assert report["targets"]["type_accuracy"]["met"] and not report["targets"]["pages_read"]["met"]
    assert report["targets"]["silent_wrong_share"]["met"]


def test_score_missed_and_extra_starts(monkeypatch):
    docs = [
        acc.TruthDoc(1, 1, "qd_khoi_to_vu_an", "26/QĐ-CSĐT", "2024-01-14", text=["a"]),
        acc.TruthDoc(2, 2, "qd_phe_chuan", "3/QĐ-VKS", "2024-02-01", text=["b"]),
    ]
    batch = acc.TruthBatch("scan.pdf", "2024-HS-1", [], docs)
    found = [
        draft(1, "qd_khoi_to_vu_an", number="26/QĐ-CSĐT", symbol="QĐ-CSĐT", date="2024-01-14", month="2024-01"),
        draft(3, "khac", number="9/QĐ-X"),
    ]  # page 2's start missed, a document made up on page 3
    monkeypatch.setattr(acc, "find_documents", lambda batch_id, pages, taxonomy: found)
    report = acc.score("dev", [batch], [(acc.truth_pages(batch), None, None)], ocr=False)
    assert report["boundary_precision"] == 0.5 and report["boundary_recall"] == 0.5
    assert report["counts"]["number_exact"] == [1, 2] and report["counts"]["type_accuracy"] == [1, 2]
    assert report["silent_wrong"]["wrong"] == 0 and report["silent_wrong"]["extra_start_values"] == 1
    assert [m["error"] for m in report["mistakes"]] == ["extra document start", "missed document start"]
    assert report["pages"] is None and "pages_read" not in report["targets"]
    assert report["issuer_exact"] is None and report["mark_accuracy"] is None


def test_score_dev_real_received_and_marks(monkeypatch):
    docs = [
        acc.TruthDoc(
            1,
            1,
            "ban_an",
            "31/2024/HS-ST",
            "2024-12-28",
            received={"number": "26", "date": "2025-01-03"},
            mark="MẬT",
            has_received=True,
            text=["x"],
        ),
        acc.TruthDoc(
            2, 2, "cao_trang", "5/CT-VKS", "2024-11-28", received=None, mark="", has_received=True, text=["y"]
        ),
    ]
    batch = acc.TruthBatch("scan.pdf", "2024-HS-1", [], docs)
    found = [
        draft(
            1,
            "ban_an",
            number="31/2024/HS-ST",
            date="2024-12-28",
            classification_mark="MẬT",
            received={"number": "26", "date": "2025-01-08"},
        ),
        draft(2, "cao_trang", number="5/CT-VKS", date="2024-11-28", received={"number": "7", "date": None}),
    ]
    monkeypatch.setattr(acc, "find_documents", lambda batch_id, pages, taxonomy: found)
    report = acc.score("dev-real", [batch], [(acc.truth_pages(batch), None, None)], ocr=False)
    assert report["counts"]["received_number_exact"] == [1, 1]
    assert report["counts"]["received_date_exact"] == [0, 1]
    assert report["counts"]["mark_accuracy"] == [2, 2]
    assert report["silent_wrong"]["by_field"]["received_number"] == [1, 2]
    assert report["silent_wrong"]["by_field"]["received_date"] == [1, 1]


# --- petitions-dev ---------------------------------------------------------------------------

PETITION = (
    "ĐƠN TỐ CÁO\nTôi tên là: {name}, sinh năm 1980.\nNơi cư trú: thôn 1, xã Hành Thiện.\nTôi làm đơn này {purpose}.\n"
)


def test_petitions_dev_truth_carries_petitioner_address_and_reference(tmp_path):
    doc = {
        "type": "tin_bao_toi_pham",
        "number": "239/TB-CAP",
        "date": "2024-03-09",
        "pages": [1, 1],
        "petitioner": "Công an phường Trưng Vương",
        "petitioner_address": None,
        "refers_to": None,
        "received": {"number": "1128", "date": "2024-03-10"},
        "text": ["x"],
    }
    (tmp_path / "petitions-dev").mkdir()
    (tmp_path / "petitions-dev" / "truth.json").write_text(
        json.dumps({"batches": [{"files": ["inbox/a.pdf"], "documents": [doc]}]}), encoding="utf-8"
    )
    (truth,) = acc.load_corpus("petitions-dev", tmp_path)[0].documents
    want = acc.expected(truth)
    # an agency has no address, and null refers-to must be read as null: both measured as ""
    assert (want["petitioner"], want["address"], want["refers_to"]) == ("Công an phường Trưng Vương", "", "")
    assert want["received_number"] == "1128"


def test_score_petitions_counts_a_wrong_reference_as_a_wrong_link(monkeypatch):
    texts = [
        PETITION.format(name="Lê Văn Cường", purpose="khiếu nại Quyết định số 41/QĐĐ-CSĐT ngày 04/06/2024"),
        PETITION.format(name="Ng0 Văn Dũng", purpose="tố cáo ông Võ Văn Tư trong vụ án số 2024-HS-7"),
        PETITION.format(name="Phan Thu Hải", purpose="kiến nghị về vụ án số 2024-HS-8"),
    ]
    truth = [
        ("Lê Văn Cường", "41/QĐ-CSĐT"),
        ("Ngô Văn Dũng", "2024-HS-7"),
        ("Phan Thu Hải", ""),  # the truth says it refers to nothing: 2024-HS-8 would be a wrong link
    ]
    docs = [
        acc.TruthDoc(
            n, n, "don_to_cao", "", "", petitioner=name, address="thôn 1, xã Hành Thiện", refers_to=ref, text=[t]
        )
        for n, ((name, ref), t) in enumerate(zip(truth, texts, strict=True), 1)
    ]
    batch = acc.TruthBatch("intake.pdf", None, [], docs)
    found = [draft(n, "don_to_cao") for n in (1, 2, 3)]
    monkeypatch.setattr(acc, "find_documents", lambda batch_id, pages, taxonomy: found)
    report = acc.score("petitions-dev", [batch], [(acc.truth_pages(batch), None, None)], ocr=False)
    assert report["counts"]["petitioner_exact"] == [2, 3]  # the garbled name is left for review, not stored
    assert report["counts"]["address_exact"] == [3, 3]
    assert report["counts"]["refers_to_exact"] == [2, 3]
    assert report["silent_wrong"]["by_field"]["petitioner"] == [0, 2]
    assert report["silent_wrong"]["by_field"]["refers_to"] == [1, 3]
    assert report["wrong_links"] == 1
    assert report["review"]["by_field"] == {"petitioner": 1}
    assert not report["targets"]["wrong_links"]["met"] and not report["targets_met"]


def test_text_measures_before_and_after_correction_and_plain_ocrmypdf():
    truth = "Viện kiểm sát nhân dân tỉnh"
    batch = acc.TruthBatch("b.pdf", None, [], [acc.TruthDoc(1, 1, "khac", "", "", text=[truth])])
    read = "Viện kiếm sát nhân dần tỉnh QĐĐ"
    words = [Word(w, 10.0 * i, 0.0, 10.0 * i + 8, 10.0) for i, w in enumerate(read.split())]
    raw = [([PageText(1, read, words=words)], [1], None)]
    corrected = [([correct_page(p) for p in pages], ocred, error) for pages, ocred, error in raw]
    text = acc.text_measures([batch], raw, corrected, [["Viện kiểm sát nhân dân tính"]])
    assert text["read"]["word_error"] == round(3 / 6, 4)  # max(2 missing, 3 extra) of 6 truth words
    assert text["corrected"]["word_error"] == round(1 / 6, 4)  # "QĐ" is extra still
    assert text["ocrmypdf"]["word_error"] == round(1 / 6, 4)
    assert text["vs_ocrmypdf"] == 1.0
    assert text["read"]["unknown_share"] == round(1 / 7, 4) and text["corrected"]["unknown_share"] == 0
    assert text["words_corrected"] == 3
    assert ("kiếm → kiểm", 1) in text["top_corrections"]


# --- real-dev page truth (bench/truth/real-dev) ------------------------------------------------


def test_real_dev_truth_files_are_nfc_non_empty_page_texts():
    paths = sorted(acc.REAL_DEV_TRUTH.glob("*.txt"))
    assert len(paths) >= 10
    for path in paths:
        stem, _, page = path.stem.rpartition(".p")
        assert stem.startswith(("qng_", "hyn_")) and page.isdigit(), path.name
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), path.name
        assert text.endswith("\n") and len(words(text)) >= 20, path.name
        assert acc.real_dev_page_truth(stem, acc.REAL_DEV_TRUTH)[int(page)] == text


def test_real_dev_word_error_only_on_the_pages_with_truth(tmp_path):
    (tmp_path / "qng_x.p2.txt").write_text("Về việc tăng cường công tác\n", encoding="utf-8")
    (tmp_path / "qng_x.p2.draft.txt").write_text("not a page\n", encoding="utf-8")  # not <stem>.p<N>.txt
    (tmp_path / "qng_xy.p1.txt").write_text("another file\n", encoding="utf-8")
    item = {"file": "qng_x.pdf", "kind": "scan", "documents": [label()]}
    batch = acc.real_dev_batch(item, tmp_path, tmp_path)
    assert batch.truth_texts() == {2: "Về việc tăng cường công tác\n"}
    pages = {1: "anything at all", 2: "Về việc tăng cuong công tác thêm", 3: "more"}
    assert acc.word_errors(batch, pages) == (2, 6)  # page 2 only: max(1 missing, 2 extra) of 6 truth words
    no_truth = acc.real_dev_batch({**item, "file": "qng_z.pdf"}, tmp_path, tmp_path)
    assert acc.word_errors(no_truth, pages) == (0, 0)

    raw = [([PageText(n, text) for n, text in pages.items()], [1, 2, 3], None)] * 2
    flags = acc.ocrmypdf_flags("real-dev")
    text = acc.text_measures([batch, no_truth], raw, raw, [list(pages.values())] * 2, flags)
    assert text["truth_pages"] == 1 and text["truth_words"] == 6 and text["ocrmypdf_flags"] == flags
    assert text["corrected"]["word_error"] == text["ocrmypdf"]["word_error"] == round(2 / 6, 4)


def test_dev_word_error_walks_every_document_page():
    docs = [acc.TruthDoc(1, 2, "khac", "", "", text=["a b", "c"]), acc.TruthDoc(3, 3, "khac", "", "", text=["d e f"])]
    batch = acc.TruthBatch("b.pdf", None, [], docs)
    assert batch.truth_texts() == {1: "a b", 2: "c", 3: "d e f"}
    assert acc.word_errors(batch, {1: "a b", 3: "d e"}) == (2, 6)


def test_plain_ocrmypdf_ocrs_every_page_of_real_dev():
    assert "--force-ocr" in acc.ocrmypdf_flags("real-dev") and "--skip-text" not in acc.ocrmypdf_flags("real-dev")
    for corpus in ("dev", "dev-real", "petitions-dev"):
        assert acc.ocrmypdf_flags(corpus) == ["-l", "vie", "--skip-text", "--rotate-pages", "--deskew"]
