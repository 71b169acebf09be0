"""The search page `/` and `GET /api/v1/search`: one box, filters, facets with page counts, results
grouped by document with their page hits. The URL holds the whole query (bookmarkable, back button)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from index.base import FACETS, SORTS, SearchQuery
from index.query import date_bounds
from ingest.access import Access
from pipeline.errors import UsageError

from .deps import AccessDep, parse_vn_date, render, type_name

router = APIRouter()

PAGE_SIZE = 20  # page hits per page of results
FACET_VALUES = 12  # values shown per facet
FACET_LABELS = {
    "case": "Vụ án",
    "type": "Loại văn bản",
    "year": "Năm",
    "person": "Người tham gia tố tụng",
    "number": "Số/ký hiệu",
    "article": "Điều luật",
}
SORT_LABELS = {"relevance": "Phù hợp nhất", "-date": "Mới nhất", "date": "Cũ nhất"}
# The page's filters as URL parameters (the form's field names).
FILTERS = ("case", "type", "number", "person", "article", "from", "to")


@dataclass
class Asked:
    """What the visitor asked for, as typed (the URL's parameters)."""

    q: str = ""
    case: str = ""
    type: str = ""
    number: str = ""
    person: str = ""
    article: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    offset: int = 0

    @classmethod
    def of(cls, request: Request) -> Asked:
        p = request.query_params
        offset = p.get("offset", "")
        return cls(
            q=p.get("q", "").strip(),
            **{name: p.get(name, "").strip() for name in ("case", "type", "number", "person", "article")},
            date_from=p.get("from", "").strip(),
            date_to=p.get("to", "").strip(),
            sort=p.get("sort", "") or "relevance",
            offset=int(offset) if offset.isdigit() else 0,
        )

    @property
    def params(self) -> dict[str, str]:
        """The URL parameters of this query (empty ones left out, relevance being the default sort)."""
        values = {
            "q": self.q,
            "case": self.case,
            "type": self.type,
            "number": self.number,
            "person": self.person,
            "article": self.article,
            "from": self.date_from,
            "to": self.date_to,
            "sort": "" if self.sort == "relevance" else self.sort,
            "offset": str(self.offset) if self.offset else "",
        }
        return {k: v for k, v in values.items() if v}

    def url(self, **changes: str | int | None) -> str:
        """This query's page with some parameters changed (None or '' drops one); a new filter or
        sort starts again at the first page of results."""
        params = self.params
        if "offset" not in changes:
            params.pop("offset", None)
        for name, value in changes.items():
            params.pop(name, None)
            if value not in (None, "", 0):
                params[name] = str(value)
        return "/?" + urlencode(params) if params else "/"

    def without_filters(self) -> str:
        return self.url(**dict.fromkeys(FILTERS))

    @property
    def filtered(self) -> bool:
        return any(self.params.get(name) for name in FILTERS)


def search_query(
    *,
    text: str,
    case: str | None,
    doc_type: str | None,
    number: str | None,
    person: str | None,
    article: str | int | None,
    date_from: str | None,
    date_to: str | None,
    sort: str,
    limit: int,
    offset: int,
    facets: tuple[str, ...],
) -> SearchQuery:
    """A `SearchQuery` from a visitor's parameters; a `UsageError` (HTTP 400) says what is wrong."""
    if sort not in SORTS:
        raise UsageError(f"Cách sắp xếp không hợp lệ: «{sort}» (một trong {', '.join(SORTS)})")
    unknown = [name for name in facets if name not in FACETS]
    if unknown:
        raise UsageError(f"Không có nhóm đếm {', '.join(unknown)} (một trong {', '.join(FACETS)})")
    if isinstance(article, str):
        if article and not article.isdigit():
            raise UsageError(f"Điều luật phải là một số: «{article}»")
        article = int(article) if article else None
    lower, upper = dates(date_from, date_to)
    return SearchQuery(
        text=text,
        case_id=case or None,
        doc_type=doc_type or None,
        number=number or None,
        person=person or None,
        article=article,
        date_from=lower,
        date_to=upper,
        limit=limit,
        offset=offset,
        sort=sort,
        facets=facets,
    )


def dates(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Inclusive ISO bounds from dates typed dd/mm/yyyy (or mm/yyyy, yyyy, or ISO): to 2024 = to 31/12/2024."""
    bounds = []
    for value, end in ((date_from, False), (date_to, True)):
        try:
            iso = parse_vn_date(value)
            bounds.append(date_bounds(None, iso)[1] if end else date_bounds(iso, None)[0])
        except (ValueError, HTTPException):
            raise UsageError(
                f"Ngày không hợp lệ: «{value}» — hãy nhập theo dạng dd/mm/yyyy, ví dụ 03/05/2024"
            ) from None
    return bounds[0], bounds[1]


# ---- the page ----------------------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
def search_page(request: Request, access: Access = AccessDep):
    asked = Asked.of(request)
    context = {
        "title": f"{asked.q} · Tìm kiếm" if asked.q else "Tìm kiếm",
        "asked": asked,
        "cases": access.case_ids(),
        "sorts": SORT_LABELS,
        "facet_labels": FACET_LABELS,
        "message": None,
        "result": None,
    }
    if not asked.q and not asked.filtered:
        return render(request, "search.html", context)  # the empty state: nothing asked yet
    try:
        query = search_query(
            text=asked.q,
            case=asked.case,
            doc_type=asked.type,
            number=asked.number,
            person=asked.person,
            article=asked.article,
            date_from=asked.date_from,
            date_to=asked.date_to,
            sort=asked.sort,
            limit=PAGE_SIZE,
            offset=asked.offset,
            facets=FACETS,
        )
    except UsageError as exc:
        return render(request, "search.html", {**context, "message": str(exc)}, status=400)
    data = access.search(query)
    context["result"] = {
        "total": data["total"],
        "first": asked.offset + 1,
        "last": asked.offset + len(data["hits"]),
        "groups": document_groups(access, data["hits"], asked.q),
        "facets": facet_links(asked, data.get("facets") or {}),
        "previous": asked.url(offset=max(0, asked.offset - PAGE_SIZE)) if asked.offset > 0 else None,
        "next": asked.url(offset=asked.offset + PAGE_SIZE) if asked.offset + PAGE_SIZE < data["total"] else None,
    }
    return render(request, "search.html", context)


def document_groups(access: Access, hits: list[dict], text: str) -> list[dict]:
    """The hits grouped by document, each group where its best hit ranked, with the document's facts."""
    brief = access.documents_brief(list(dict.fromkeys(h["document_id"] for h in hits)))
    groups: dict[str, dict] = {}
    viewer_query = "?" + urlencode({"q": text}) if text else ""
    for hit in hits:
        doc_id = hit["document_id"]
        group = groups.setdefault(
            doc_id,
            {
                "id": doc_id,
                "case_id": hit["case_id"],
                "petition_id": hit["petition_id"],
                "type": hit["doc_type"],
                **brief.get(doc_id, {}),
                "hits": [],
            },
        )
        page = f"{doc_id}:{hit['seq']}"
        group["hits"].append(
            {**hit, "href": f"/pages/{page}{viewer_query}", "thumb": f"/api/v1/pages/{page}/image?w=160"}
        )
    return list(groups.values())


def facet_links(asked: Asked, facets: dict[str, dict[str, int]]) -> list[dict]:
    """Each facet's values with their page counts and the link that adds that value as a filter."""
    out = []
    for name in FACETS:
        counts = facets.get(name)
        if not counts:
            continue
        values = []
        for value, count in list(counts.items())[:FACET_VALUES]:
            if name == "year":
                href, chosen = (
                    asked.url(**{"from": f"01/01/{value}", "to": f"31/12/{value}"}),
                    (asked.date_from == f"01/01/{value}" and asked.date_to == f"31/12/{value}"),
                )
            else:
                href, chosen = asked.url(**{name: value}), getattr(asked, name) == str(value)
            values.append({"label": facet_label(name, value), "count": count, "href": href, "chosen": chosen})
        out.append({"name": name, "label": FACET_LABELS[name], "choices": values})
    return out


def facet_label(name: str, value: str) -> str:
    if name == "type":
        return type_name(value)
    if name == "article":
        return f"Điều {value}"
    return str(value)


# ---- the API -----------------------------------------------------------------------------------------


@router.get("/api/v1/search", summary="Tìm các trang (như `hoso search --json`)")
def search_api(
    access: Access = AccessDep,
    q: str = Query("", description='Từ cần tìm, có hoặc không dấu; "cụm từ trong ngoặc kép"'),
    case: str | None = None,
    type: str | None = Query(None, description="Mã loại văn bản"),  # noqa: A002 - the CLI's --type
    number: str | None = None,
    person: str | None = None,
    article: int | None = None,
    date_from: str | None = Query(None, alias="from", description="YYYY, YYYY-MM, YYYY-MM-DD hoặc dd/mm/yyyy"),
    date_to: str | None = Query(None, alias="to"),
    limit: int = Query(10, ge=1, le=200),
    offset: int = Query(0, ge=0),
    sort: str = Query("relevance", description=" | ".join(SORTS)),
    facets: str = Query("", description=f"Danh sách tên, cách nhau bởi dấu phẩy: {','.join(FACETS)}"),
) -> dict:
    """`{"hits": [{"case_id", "petition_id", "document_id", "seq", "doc_type", "page", "but_luc", "score", "snippet"}], "total",
    "facets"?}`: the shape of `hoso search --json`; facet counts are pages."""
    query = search_query(
        text=q.strip(),
        case=case,
        doc_type=type,
        number=number,
        person=person,
        article=article,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        limit=limit,
        offset=offset,
        facets=tuple(dict.fromkeys(name.strip() for name in facets.split(",") if name.strip())),
    )
    return access.search(query)
