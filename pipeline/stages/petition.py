"""What a petition says of itself: who sends it and from where, to whom, about what, what it refers to.

A petition by a person (đơn khiếu nại, tố cáo, kiến nghị, đề nghị, tố giác tội phạm) opens with the
petitioner's lines — "Tôi tên là: …", "Tôi là …", "Họ và tên: …", "Người tố cáo: …", or "Chúng tôi
gồm: 1. Ông …, 2. Bà …" — then the address ("Nơi cư trú:", "Địa chỉ:", "Trú tại:", "HKTT:"), then the
sentence that says what it is for ("Tôi làm đơn này khiếu nại Quyết định số 305/QĐ-VKS-P2 …"). The
name printed under the signature ("NGƯỜI LÀM ĐƠN / Hồ Xuân Thảo") is a second reading of the same
name. A tin báo về tội phạm is an agency's letter: its sender is the header's issuing unit, taken
as the body spells it when the body names it ("Công an phường Trưng Vương báo tin …").

Nothing is guessed. A name is kept only when every word is a capitalised Vietnamese syllable and
the first is a Vietnamese family name (OCR reads "Đinh" as "Định", a syllable but no family): else
it is None and "petitioner" goes to `review`, unless the signature line reads the same name (the
same letters) well-formed. Two well-formed readings that differ leave it None too. Names are never
corrected into other names; the only repairs are OCR's "QĐĐ" → "QĐ" in a decision number and
Ð → Đ (`pipeline.text.normalize`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import PageText
from ..text import fold, fold_with_offsets, is_caps, is_syllable, normalize, strip_tone
from .extract import MIN_PRINTED_CONFIDENCE, issuer
from .layout import read_layout

AGENCY_TYPES = ("tin_bao_toi_pham",)

# Vietnamese family names (Kinh, and the common ones of the Tày, Thái, H'Mông, Dao, Khmer, Hoa), NFC.
FAMILY_NAMES = frozenset(
    """
    Âu Bạch Bành Bàn Bế Biện Bùi Cái Cao Cấn Cầm Châu Chẩu Chế Chu Chử Chung Cù Cung Danh Diệp Doãn
    Dương Đàm Đào Đậu Đặng Đinh Đoàn Đồng Đỗ Đới Đường Giang Giáp Giàng Hà Hàn Hầu Hoa Hoàng Hồ Hồng
    Hứa Huỳnh Kha Khổng Khúc Khuất Khương Kiều Kim La Lã Lại Lạc Lăng Lâm Lầu Lê Lò Lộc Lù Lục Lưu
    Lương Lường Lý Ly Ma Mã Mạc Mạch Mai Mẫn Mông Mùa Ngô Nghiêm Ngọ Ngụy Nguyễn Nhan Nhữ Ninh Nông
    Ông Phạm Phan Phí Phó Phù Phùng Phương Quách Quan Quản Quàng Sầm Sơn Sùng Tạ Tăng Tào Thạch Thái
    Thân Thào Thi Tiêu Tô Tôn Tòng Tống Trà Trần Triệu Trịnh Trương Từ Ứng Văn Vàng Vi Viên Võ Vũ
    Vương Vừ Xa
    """.split()
)

# Labels, matched on a line's folded lower-case text where the line begins (after a list mark).
_MARK = r"^(?:[-+•*]\s*|\d{1,2}[.)]\s*)?"
_SELF_LABEL = re.compile(_MARK + r"(?:toi ten la|ten toi la)\b\s*:?\s*")
_I_AM = re.compile(_MARK + r"toi la\b\s*:?\s*")  # "Tôi là Lê Văn A" — or "Tôi là người cao tuổi"
_ROLE_LABEL = re.compile(
    _MARK + r"(?:ho va ten|ho ten|nguoi (?:to cao|khieu nai|to giac|kien nghi|de nghi|lam don|bao tin))\s*:\s*"
)
_GROUP_LABEL = re.compile(
    _MARK + r"(?:chung toi (?:gom co|gom|ten la|la)|nhung nguoi (?:lam don|to cao|khieu nai|kien nghi|de nghi)"
    r"(?: gom(?: co)?)?)\b\s*:?\s*"
)
_HONORIFICS = ("ông", "bà", "anh", "chị", "cụ", "cô", "chú", "em")
_NAME_END = re.compile(
    r"[,;(]|\s[-–]\s|\.(?:\s|$)|\b(?:sinh|nam sinh|ngay sinh|tru tai|dia chi|noi cu tru|cccd|cmnd|so dien thoai"
    r"|dien thoai|sdt|nghe nghiep)\b"
)
_ADDRESS_LABEL = re.compile(
    r"\b(?:noi cu tru|cho o hien nay|noi o hien nay|noi o|noi thuong tru|thuong tru|ho khau thuong tru|hktt"
    r"|dia chi(?: thuong tru| lien he| cu tru)?|(?:cung )?tru tai)\b\s*:?\s*"
)
_ADDRESS_END = re.compile(
    r";|\b(?:so dien thoai|dien thoai|sdt|so cccd|cccd|cmnd|so can cuoc|email|nghe nghiep)\b|\.(?=\s|$)"
)
_ADDRESS_ABBREVIATIONS = ("tp", "p", "q", "tx", "tt", "h", "x")  # "TP. Quảng Ngãi", "P. Trần Phú": no sentence end
# What opens the sentence saying what the petition is for; it ends the petitioner's lines.
_PURPOSE = re.compile(
    _MARK + r"(?:nay\s+)?(?:toi|chung toi)\s+(?:(?:lam|viet|gui)\s+don|xin trinh bay|khieu nai|to cao|to giac"
    r"|kien nghi|de nghi)\b|^noi dung\b|^su viec\b"
)
_PURPOSE_VERB = re.compile(r"\b(?:khieu nai|to cao|to giac|kien nghi|de nghi|bao tin)\b\s*(?:ve\s+)?")
_ANONYMOUS = re.compile(r"\b(?:nac danh|giau ten|khong ghi ten|xin duoc giau)\b")
_SIGNATURE_ROLE = re.compile(r"^nguoi (?:lam don|to cao|khieu nai|to giac|kien nghi|de nghi)\b")
_RECIPIENTS = re.compile(r"^kinh gui\s*:?\s*")
_ATTACHMENTS = re.compile(
    r"^(?:tai lieu(?:, chung cu)? (?:kem theo|gui kem)|ho so kem theo|kem theo)(?: don)?(?: gom(?: co)?)?\s*:\s*"
)
_DASH = re.compile(r"^[-+•*]\s*")
_LIST_ITEM = re.compile(r"^\s*(?:[-+•*]|\d{1,2}[.)]|[a-zđ][.)])\s+")
# A decision as petitions cite it, and a case by its number.
# A procedural act cited by its number: "Quyết định số 305/QĐ-VKS-P2", "Quyết định khởi tố bị can số
# 12/QĐ-CSĐT", "Lệnh bắt bị can để tạm giam số 07/LB-CSĐT", "Kết luận điều tra số 5/KLĐT-PC02".
_DECISION_CITED = re.compile(
    r"\b(?:quyet dinh|qd|lenh|ket luan dieu tra|cao trang|ban an)\b(?:\s+[^\s\d.,;:()]+){0,8}?\s+so\s*:?\s*"
)
_CASE_CITED = re.compile(r"\bvu an(?: hinh su)?\s+so\s*:?\s*")
_DECISION_NUMBER = re.compile(r"^\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*$")
_TOKEN_END = re.compile(r"[\s,;()]|[.:](?=\s|$)|$")
# A complaint inside criminal proceedings (BLTTHS 2015, Chương XXXIII): about a decision or act of
# the investigating body, the procuracy or the court — a case, a source of crime news, a procedural
# decision, or the person who conducts them.
_PROCEEDINGS = re.compile(
    r"\b(?:to tung|vu an|tin bao ve toi pham|nguon tin ve toi pham|to giac ve toi pham|dieu tra vien"
    r"|kiem sat vien|tham phan|tham tra vien|canh sat dieu tra|co quan dieu tra|vien kiem sat|toa an"
    r"|khoi to|tam giu|tam giam)\b"
)
_PROCEDURAL_ISSUERS = ("VKS", "CSĐT", "CQĐT", "ĐTV", "CQCSĐT", "TA", "TAND", "HS")
ABOUT_LENGTH = 100


@dataclass
class PetitionFacts:
    petitioner: str | None  # "Ngô Văn Dũng"; for tin báo the sending agency ("Công an phường Trưng Vương")
    address: str | None  # "tổ 11, khu 5, phường Ka Long, Vân Đồn, tỉnh Quảng Ninh"
    anonymous: bool  # no petitioner named (đơn nặc danh)
    about: str | None  # who or what it is about (the person or act complained of / denounced), short
    refers_to: str | None  # as read: a case id ("2024-HS-1425") or a decision number ("305/QĐ-VKS-P2"), else None
    recipients: list[str] = field(default_factory=list)  # "Kính gửi:" bodies (several → sent to several bodies)
    attachments: list[str] = field(default_factory=list)  # items listed under "Tài liệu kèm theo"
    in_proceedings: bool = False  # a complaint about a procedural decision or act (BLTTHS Chương XXXIII)
    review: list[str] = field(default_factory=list)  # fields not read with confidence: "petitioner", ...


def petition_facts(doc_type: str, pages: list[PageText], case_id_pattern: str) -> PetitionFacts:
    """The facts a register entry needs, read from a petition's pages (NFC text; the first page's layout)."""
    lines = [normalize(line).strip() for page in pages for line in page.text.splitlines()]
    lines = [line for line in lines if line]
    folded = [_folded(line) for line in lines]
    review: list[str] = []
    recipients = _recipients(lines, folded)
    purpose = _purpose(lines, folded)
    petitioner, address, anonymous = None, None, False
    if doc_type in AGENCY_TYPES:
        petitioner = _sender(pages, recipients) or None
        if petitioner is None:
            review.append("petitioner")
    else:
        named = _petitioner(lines, folded, pages, review)
        if named is None:  # no person named: an agency's letter (a kiến nghị khởi tố), or anonymous
            petitioner = _sender(pages, recipients) or None
            anonymous = petitioner is None
            if anonymous and not any(_ANONYMOUS.search(low) for low in folded):
                review.append("petitioner")  # no name read, and the text does not say it is anonymous
        else:
            petitioner = named or None
            address = _address(lines, folded, pages, review)
    refers_to = _refers_to(lines, purpose, case_id_pattern, review)
    return PetitionFacts(
        petitioner=petitioner,
        address=address,
        anonymous=anonymous,
        about=_about(lines, purpose, case_id_pattern),
        refers_to=refers_to,
        recipients=recipients,
        attachments=_attachments(lines, folded),
        in_proceedings=_in_proceedings(doc_type, lines, purpose, refers_to, case_id_pattern),
        review=list(dict.fromkeys(review)),
    )


def _folded(text: str) -> str:
    return fold(text).lower()


def _after(line: str, end: int) -> str:
    """The original text of `line` from where its folded form's match ended."""
    folded, offsets = fold_with_offsets(line)
    return line[offsets[end] :] if end < len(folded) else ""


def _labelled(lines: list[str], folded: list[str], label: re.Pattern[str]) -> tuple[int | None, str]:
    """The first line `label` opens, and what follows the label on it; (None, "") when none does."""
    for i, low in enumerate(folded):
        if match := label.match(low):
            return i, _after(lines[i], match.end()).strip()
    return None, ""


# --- the petitioner --------------------------------------------------------------------------


def _petitioner(lines: list[str], folded: list[str], pages: list[PageText], review: list[str]) -> str | None:
    """The petitioner's name(s) ("A, B" for several); "" when a name is printed but not read; None when none is."""
    for i, low in enumerate(folded):
        if match := _GROUP_LABEL.match(low):
            return _group(lines, folded, i, match.end(), pages, review)
        match = _ROLE_LABEL.match(low) or _SELF_LABEL.match(low) or _I_AM.match(low)
        if match is None:
            continue
        raw = _name_text(_after(lines[i], match.end()))
        if raw is None or (match.re is _I_AM and not raw[:1].isupper()):
            continue  # "Tôi là người cao tuổi": no name follows
        name = _person_name(raw) if _sure(raw, pages) else None
        signed = _signed_name(lines, folded)
        if signed and name and _folded(signed) == _folded(name) and signed != name:
            review.append("petitioner")  # two readings of one name, both well-formed: which?
            return ""
        if name is None and signed and _folded(signed) == _folded(raw):
            return signed  # the signature line reads the same letters well-formed
        if name is None:
            review.append("petitioner")
            return _retoned(raw, pages) or ""
        return name
    return None


def _group(lines: list[str], folded: list[str], i: int, end: int, pages: list[PageText], review: list[str]) -> str:
    """Several petitioners: "Chúng tôi gồm: ông A và bà B" or a list of "1. Ông A, sinh năm …" lines."""
    raws = [r for part in re.split(r"\s+và\s+|;", _after(lines[i], end)) if (r := _name_text(part))]
    for line, low in zip(lines[i + 1 : i + 16], folded[i + 1 : i + 16], strict=False):
        if _PURPOSE.match(low):
            break
        item = _LIST_ITEM.match(line)
        label = _ROLE_LABEL.match(low[item.end() :] if item else low)
        if item or label:
            rest = line[item.end() :] if item else line
            if label:
                rest = _after(rest, label.end())
            if raw := _name_text(rest):
                raws.append(raw)
    names = [_person_name(raw) if _sure(raw, pages) else None for raw in raws]
    if not names or None in names:
        review.append("petitioner")
        return ""
    return ", ".join(name for name in names if name)


def _name_text(text: str) -> str | None:
    """The words a name label is followed by, honorific dropped: 'bà Trần Thị B, sinh năm …' → 'Trần Thị B'."""
    folded = _folded(text)
    end = _NAME_END.search(folded)
    raw = text[: end.start()].strip() if end and end.start() < len(text) else text.strip()
    words = raw.split()
    while words and words[0].lower().rstrip(":") in _HONORIFICS:
        words.pop(0)
    return " ".join(words) or None


def _person_name(raw: str) -> str | None:
    """A well-formed Vietnamese name as printed ('NGUYỄN VĂN A' in title case), else None."""
    words = raw.split()
    if not 2 <= len(words) <= 6:
        return None
    if all(word.isupper() for word in words):
        words = [word.capitalize() for word in words]
    for word in words:
        if not (word.isalpha() and word[0].isupper() and word[1:] == word[1:].lower() and is_syllable(word)):
            return None
    return " ".join(words) if words[0] in FAMILY_NAMES else None


def _retoned(raw: str, pages: list[PageText]) -> str | None:
    """A name whose only flaw is a tone mark on its family name that no family name has ('Định Công
    Nga' → 'Đinh Công Nga'), the given names read with confidence. Stored, and left in review."""
    words = raw.split()
    if len(words) < 2 or words[0] in FAMILY_NAMES or not _sure(" ".join(words[1:]), pages):
        return None
    families = [f for f in FAMILY_NAMES if strip_tone(f) == strip_tone(words[0].capitalize())]
    return _person_name(" ".join([families[0], *words[1:]])) if len(families) == 1 else None


def _signed_name(lines: list[str], folded: list[str]) -> str | None:
    """The well-formed name printed under the last signature role ("NGƯỜI LÀM ĐƠN"), if any.

    Its words' OCR confidence is not asked: the pen of the signature runs over them (a right
    'Đinh' read at 60); a second reading only settles the first when it is a well-formed name."""
    roles = [i for i, low in enumerate(folded) if _SIGNATURE_ROLE.match(low) and is_caps(lines[i])]
    if not roles:
        return None
    for line in lines[roles[-1] + 1 : roles[-1] + 4]:
        if name := _person_name(line.strip(" .")):
            return name
    return None


def _bare(word: str) -> str:
    return word.strip(",.;:()").casefold()


def _sure(phrase: str, pages: list[PageText]) -> bool:
    """Did OCR read every word of `phrase` with confidence (`MIN_PRINTED_CONFIDENCE`) where it read it?

    A name OCR misread into other syllables ('Đinh' as 'Định', at 56-84) reads at under 85, where
    the printed words around it read at 93-97. Text without word boxes (a kept text layer) is trusted."""
    wanted = [_bare(word) for word in phrase.split()]
    for page in pages:
        said = [_bare(normalize(word.text)) for word in page.words]
        for i in range(len(said) - len(wanted) + 1):
            if said[i : i + len(wanted)] == wanted:
                confs = [w.conf for w in page.words[i : i + len(wanted)] if w.conf is not None]
                return all(conf >= MIN_PRINTED_CONFIDENCE for conf in confs)
    return True


# "tố 7, khu 3": OCR's reading of "tổ" (tổ dân phố) before its number; no unit is called "tố".
_MISREAD_TO = re.compile(r"(?:(?<=^)|(?<=, ))([Tt])ố(?= \d)")


def _address(lines: list[str], folded: list[str], pages: list[PageText], review: list[str]) -> str | None:
    """The first address among the petitioner's lines (up to the sentence saying what the petition is for)."""
    labels = (_SELF_LABEL, _ROLE_LABEL, _I_AM)
    start = next((i for i, low in enumerate(folded) if any(label.match(low) for label in labels)), None)
    start = next((i for i, low in enumerate(folded) if _GROUP_LABEL.match(low)), start)
    if start is None:
        return None
    block = []
    for line, low in zip(lines[start : start + 12], folded[start : start + 12], strict=False):
        if block and _PURPOSE.match(low):
            break
        block.append(line)
    text = " ".join(block)
    low = _folded(text)
    label = _ADDRESS_LABEL.search(low)
    if label is None:
        return None
    rest = low[label.end() :]
    end = next((m for m in _ADDRESS_END.finditer(rest) if not _abbreviated(rest, m.start())), None)
    folded_text, offsets = fold_with_offsets(text)
    first = offsets[label.end()] if label.end() < len(folded_text) else len(text)
    last = offsets[label.end() + end.start()] if end and label.end() + end.start() < len(folded_text) else len(text)
    address = _MISREAD_TO.sub(lambda m: m[1] + "ổ", text[first:last].strip(" ,.;"))
    garbled = any(not (is_syllable(w) or (w.isupper() and len(w) <= 4)) for w in re.findall(r"[^\W\d_]+", address))
    if garbled or not _sure(address, pages):
        review.append("address")
        return None
    return address or None


# --- a tin báo's sender ----------------------------------------------------------------------


def _abbreviated(text: str, dot: int) -> bool:
    """Does the period at `dot` close an abbreviation ("TP.") rather than the sentence?"""
    return text[dot] == "." and re.split(r"\W", text[:dot])[-1] in _ADDRESS_ABBREVIATIONS


def _sender(pages: list[PageText], recipients: list[str]) -> str | None:
    """The sending agency as the body spells it ("Công an phường Trưng Vương"); "" when the header's agency
    is not confirmed by the body (or is one of the recipients: a register stamp); None when there is none."""
    if not pages:
        return None
    layout = read_layout(pages[0])
    agency = issuer(layout.agency)
    if agency is None:
        return "" if layout.agency else None
    parts = agency.split(" / ")
    body = " ".join(line.text for line in layout.lines[layout.body :])
    body += " " + " ".join(normalize(page.text) for page in pages[1:])
    addressed = {_words_key(r) for r in recipients}
    for candidate in (parts[-1], " ".join(parts)):
        if any(key.endswith(_words_key(candidate)) for key in addressed):
            continue
        if spelled := _spelled_in(candidate, body):
            return spelled
    return ""


def _words_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", _folded(text)))


def _spelled_in(name: str, text: str) -> str | None:
    """`name` (any case) as `text` spells it, where the text is not in capitals (a sentence, not a header)."""
    words = re.findall(r"\w+", _folded(name))
    if not words:
        return None
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b")
    folded, offsets = fold_with_offsets(text)
    for match in pattern.finditer(folded.lower()):
        end = offsets[match.end() - 1] + 1
        spelled = " ".join(text[offsets[match.start()] : end].split())
        if not is_caps(spelled):
            return spelled
    return None


# --- to whom, about what, what it refers to, what comes with it ------------------------------


def _recipients(lines: list[str], folded: list[str]) -> list[str]:
    """The bodies after "Kính gửi:", on its line or listed under it ("- Viện kiểm sát …;")."""
    start, first = _labelled(lines, folded, _RECIPIENTS)
    if start is None:
        return []
    found = [first.lstrip("-+•* ")] if first else []
    return _listed(lines[start + 1 : start + 10], found, _DASH, wraps=lambda line: line[:1].islower())


def _purpose(lines: list[str], folded: list[str]) -> str:
    """The sentence saying what the petition is for ("Tôi làm đơn này khiếu nại …"), or ""."""
    start = next((i for i, low in enumerate(folded) if _PURPOSE.match(low)), None)
    if start is None:
        return ""
    text = " ".join(lines[start : start + 6])
    end = re.search(r"\.(?=\s+[^\W\d_]|\s*$)", text)
    return text[: end.start()] if end else text


def _about(lines: list[str], purpose: str, case_id_pattern: str) -> str | None:
    """Who or what the petition is about: the person after "của ông …", the decision, or the matter."""
    if not purpose:  # a tin báo: "… nhận được trình báo của ông A về việc bị mất trộm tài sản."
        text = " ".join(lines)
        folded, offsets = fold_with_offsets(text)
        matter = re.search(r"\bve viec\s+", folded.lower())
        return _clause(text[offsets[matter.end()] :]) if matter and matter.end() < len(folded) else None
    text = purpose
    folded, offsets = fold_with_offsets(text)
    low = folded.lower()
    for match in re.finditer(r"\b(?:cua|doi voi|to cao|to giac)\s+(?:ong|ba|anh|chi|doi tuong)\s+", low):
        if name := _name_text(text[offsets[match.end()] :] if match.end() < len(low) else ""):
            words = name.split()
            name = " ".join(words[: next((i for i, w in enumerate(words) if not w[:1].isupper()), len(words))])
            if _person_name(name):
                return name
    for decision in _DECISION_CITED.finditer(low):
        number = _cited_token(text, decision.end())
        if number and not re.match(case_id_pattern, number):  # "… trong vụ án số 2024-HS-1": a case
            return text[offsets[decision.start()] : offsets[decision.end()]] + _decision_number(number)
    verb = _PURPOSE_VERB.search(low)
    if verb is None or verb.end() >= len(low):
        return None
    return _clause(text[offsets[verb.end()] :])


def _clause(text: str) -> str | None:
    """The clause `text` opens with, up to its first comma or stop, at most ABOUT_LENGTH characters."""
    about = re.split(r"[,;.](?:\s|$)", text)[0].strip()
    if len(about) > ABOUT_LENGTH:
        about = about[:ABOUT_LENGTH].rsplit(" ", 1)[0] + " …"
    return about or None


def _cited_token(text: str, end: int) -> str:
    """The number that follows a citation ("Quyết định số ", "vụ án số "), trailing punctuation dropped."""
    folded, offsets = fold_with_offsets(text)
    if end >= len(folded):
        return ""
    rest = text[offsets[end] :]
    return rest[: _TOKEN_END.search(rest).start()]  # type: ignore[union-attr]


def _decision_number(token: str) -> str:
    """A decision number as read, OCR's doubled Đ of "QĐ" undone: '41/QĐĐ-CSĐT' → '41/QĐ-CSĐT'."""
    return token.replace("QĐĐ", "QĐ")


def _references(text: str, case_id_pattern: str) -> tuple[list[str], list[str], bool]:
    """(decision numbers, case ids, whether a citation's number did not read) cited in `text`, in order."""
    decisions: list[str] = []
    cases: list[str] = []
    unread = False
    low = _folded(text)
    for match in _DECISION_CITED.finditer(low):
        number = _decision_number(_cited_token(text, match.end()))
        if re.match(case_id_pattern, number):
            continue  # "quyết định … trong vụ án số 2024-HS-1": the case, read below
        if _DECISION_NUMBER.match(number):
            decisions.append(number)
        else:
            unread = True
    for match in _CASE_CITED.finditer(low):
        if not re.match(case_id_pattern, _cited_token(text, match.end())):
            unread = True
    for token in re.findall(r"[\w-]+", text):
        if re.match(case_id_pattern, token):
            cases.append(token)
    return list(dict.fromkeys(decisions)), list(dict.fromkeys(cases)), unread


def _refers_to(lines: list[str], purpose: str, case_id_pattern: str, review: list[str]) -> str | None:
    """The one case id or decision number the petition cites (its purpose sentence first, else anywhere).

    A decision with the case it belongs to gives the decision (what is complained of); several of a
    kind, or a citation whose number did not read, leave it None and "refers_to" in review."""
    decisions, cases, unread = _references(purpose, case_id_pattern)
    if not (decisions or cases or unread):
        decisions, cases, unread = _references("\n".join(lines), case_id_pattern)
    if unread or len(decisions) > 1 or len(cases) > 1:
        review.append("refers_to")
        return None
    return (decisions or cases or [None])[0]


def _attachments(lines: list[str], folded: list[str]) -> list[str]:
    """The items under "Tài liệu kèm theo (đơn gồm):", listed one a line or in a sentence."""
    start, inline = _labelled(lines, folded, _ATTACHMENTS)
    if start is None:
        return []
    if not inline:
        return _listed(lines[start + 1 : start + 20], [], _LIST_ITEM, wraps=lambda line: not is_caps(line))
    text = inline
    for line in lines[start + 1 :]:
        if text.endswith(".") or is_caps(line):
            break
        text += " " + line
    return [i for item in re.split(r"[,;]\s*", text) if (i := item.strip(" .;,"))]


def _listed(lines: list[str], items: list[str], mark: re.Pattern[str], wraps: Callable[[str], bool]) -> list[str]:
    """Items listed one a line, each opened by `mark`; a line without it continues the item above when
    `wraps` says so and that item did not end with "." or ";" (a name wrapped); anything else ends the list."""
    for line in lines:
        if item := mark.match(line):
            items.append(line[item.end() :])
        elif items and not items[-1].endswith((".", ";")) and wraps(line):
            items[-1] += " " + line
        else:
            break
    return [i for item in items if (i := item.strip(" .;,"))]


def _in_proceedings(doc_type: str, lines: list[str], purpose: str, refers_to: str | None, pattern: str) -> bool:
    """A complaint or denunciation of a procedural decision or act (BLTTHS Chương XXXIII), not the Law on
    Complaints: it cites a case, a decision of a procedural body, or names one of their acts or officers."""
    if doc_type not in ("don_khieu_nai", "don_to_cao"):
        return False
    if refers_to and re.match(pattern, refers_to):
        return True
    if refers_to:
        symbol = refers_to.rsplit("/", 1)[-1]
        return any(part in _PROCEDURAL_ISSUERS for part in symbol.split("-")[1:])
    subject = next((line for line in lines[:12] if _folded(line).startswith("v/v")), "")
    return bool(_PROCEEDINGS.search(_folded(purpose + " " + subject)))
