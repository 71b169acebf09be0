"""The web app in a real browser: Debian's chromium, driven through chromedriver by Selenium, against
`hoso serve` running as a child process on a small home (tests/web_kit.py).

What a prosecutor does: sign in through the sign-in page (and out), search without diacritics, open a hit and see the matched word outlined on
the page image, jump by bút lục, copy a citation, download the dossier, print a page with its
citation; Vietnamese without tofu, the keyboard alone, a 1366×768 screen. Each test leaves a
screenshot named after it in tests/artifacts/ (look at them).
"""

from __future__ import annotations

import base64
import io
import unicodedata
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pdfplumber
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser_kit import WIDTH, Site, keep_screenshot, launch_chromium, serving, sign_in, wait_for
from web_kit import CASE_A, LEADER, build_web_home

pytestmark = pytest.mark.browser
chromium = pytest.fixture(scope="module", name="chromium")(launch_chromium)
browser = pytest.fixture(name="browser")(keep_screenshot)

QUERY = "tran van duc"  # "Trần Văn Đức", typed as on a keyboard without Vietnamese input
CITATION_TAIL = "Cáo trạng số 12/CT-VKS-P2 ngày 03/05/2024"  # A-CT12, the case's cáo trạng
# Every Vietnamese letter: the vowels with each of the six tones, and đ, in both cases.
VIETNAMESE = (
    "".join(
        unicodedata.normalize("NFC", vowel + tone).upper() + unicodedata.normalize("NFC", vowel + tone)
        for vowel in ("a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y")
        for tone in ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
    )
    + "Đđ"
)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> Iterator[Site]:
    with serving(build_web_home(tmp_path_factory.mktemp("web-embedded"))) as site:
        yield site


@pytest.fixture(scope="module")
def on_opensearch(tmp_path_factory, opensearch_url) -> Iterator[Site]:
    from index.opensearch import OpenSearchBackend
    from pipeline.config import Settings

    prefix = f"hoso-test-{uuid.uuid4().hex[:8]}"
    home = build_web_home(tmp_path_factory.mktemp("web-opensearch"), opensearch_url=opensearch_url, prefix=prefix)
    try:
        with serving(home) as site:
            yield site
    finally:
        backend = OpenSearchBackend.from_settings(
            Settings(opensearch_url=opensearch_url, opensearch_index_prefix=prefix)
        )
        backend.drop()
        backend.close()


@pytest.fixture(scope="module", params=["embedded", pytest.param("on_opensearch", marks=pytest.mark.opensearch)])
def site(request) -> Site:
    """The same home served on either backend, for what depends on the index."""
    return request.getfixturevalue(request.param)


# ---- helpers ---------------------------------------------------------------------------------------


def visit(browser, url: str) -> None:
    """Open a page of the app (signing in as the leader when sent to the sign-in page first: the
    sites share 127.0.0.1, so one's session cookie replaces the other's) and check it is not the error page."""
    browser.get(url)
    if urlsplit(browser.current_url).path == "/dang-nhap":
        sign_in(browser, *LEADER)
        wait_for(browser, lambda: urlsplit(browser.current_url).path != "/dang-nhap", "the sign-in to go through")
    errors = browser.find_elements(By.CSS_SELECTOR, "section.error[role=alert]")
    assert not errors, f"{url} shows an error: {errors[0].text}"


def viewer(browser) -> dict:
    """The viewer's data attributes (documentId, seq, caseId, butLuc, dossierPage), {} when not on a viewer."""
    return browser.execute_script("const v = document.getElementById('viewer'); return v ? {...v.dataset} : {};")


def wait_for_viewer(browser, but_luc: int) -> dict:
    return wait_for(
        browser,
        lambda: viewer(browser).get("butLuc") == str(but_luc) and viewer(browser),
        f"the viewer of BL {but_luc}",
    )


def screen_rects(browser, selector: str) -> list[tuple[float, float, float, float]]:
    """The on-screen (left, top, right, bottom) of every element the selector matches."""
    return [
        tuple(r)
        for r in browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => {"
            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });",
            selector,
        )
    ]


def focused(browser) -> str:
    """The focused element as `tag#id.class`."""
    return browser.execute_script(
        "const e = document.activeElement; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
        " + [...e.classList].map(c => '.' + c).join('');"
    )


def press(browser, key: str) -> None:
    """A key pressed where the focus is, as a person would."""
    ActionChains(browser).send_keys(key).perform()


def tab_to(browser, target: str, *, backwards: bool = False, presses: int = 20) -> bool:
    """Tab (or Shift+Tab) until `target` (as `focused` names it) has the focus; False if it never does."""
    for _ in range(presses):
        if focused(browser) == target:
            return True
        keys = ActionChains(browser)
        if backwards:
            keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            keys.send_keys(Keys.TAB)
        keys.perform()
    return focused(browser) == target


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), as the query was typed."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


def page_url(site: Site, document_id: str, seq: int, q: str = QUERY) -> str:
    return f"{site.url}/pages/{document_id}:{seq}?q={quote(q)}"


def citation(but_luc: int) -> str:
    return f"Hồ sơ {CASE_A}, bút lục {but_luc} — {CITATION_TAIL}"


# ---- signing in and out -----------------------------------------------------------------------------------


def test_sign_in_and_out(embedded, browser):
    browser.delete_all_cookies()
    browser.get(f"{embedded.url}/cases/{CASE_A}")
    assert urlsplit(browser.current_url).path == "/dang-nhap"  # nothing without an account
    sign_in(browser, LEADER[0], "not-the-password")
    refused = wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".refused[role=alert]"), "refusal")
    assert "không đúng" in refused[0].text and browser.find_element(By.ID, "name").get_attribute("value") == LEADER[0]
    browser.find_element(By.ID, "password").send_keys(LEADER[1], Keys.ENTER)
    wait_for(browser, lambda: urlsplit(browser.current_url).path == f"/cases/{CASE_A}", "back to the dossier")
    cookie = browser.get_cookie("hoso_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.execute_script("return document.cookie").find("hoso_session") < 0  # no script reads it
    header = browser.find_element(By.CSS_SELECTOR, "header.top").text
    assert LEADER[0] in header and "Lãnh đạo" in header
    browser.find_element(By.CSS_SELECTOR, "form.account button").click()
    wait_for(browser, lambda: urlsplit(browser.current_url).path == "/dang-nhap", "the sign-in page")
    browser.get(f"{embedded.url}/")
    assert urlsplit(browser.current_url).path == "/dang-nhap"  # signed out: the session is gone


# ---- search and the viewer, on either backend ----------------------------------------------------------


def test_search_without_diacritics(site, browser):
    visit(browser, site.url + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUERY, Keys.ENTER)
    groups = wait_for(
        browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#results .doc-group[data-document-id]"), "results"
    )
    assert "q=tran+van+duc" in browser.current_url  # the URL holds the query: bookmarkable
    assert {g.get_attribute("data-document-id") for g in groups} == {"A-QD47", "A-HC1", "A-CT12"}
    marks = [fold(m.text) for m in browser.find_elements(By.CSS_SELECTOR, "#results mark")]
    assert any("duc" in m for m in marks), marks  # "Đức" marked though typed "duc"
    assert all(set(m.split()) <= {"tran", "van", "duc"} for m in marks), marks


def test_hit_opens_viewer_with_box_over_word(site, browser):
    visit(browser, f"{site.url}/?q={quote(QUERY)}")
    hit = browser.find_element(By.CSS_SELECTOR, "#results a.hit")
    page_id = urlsplit(hit.get_attribute("href")).path.removeprefix("/pages/")
    hit.click()
    wait_for(browser, lambda: viewer(browser), "the page viewer")
    assert f"{viewer(browser)['documentId']}:{viewer(browser)['seq']}" == page_id
    wait_for(
        browser,
        lambda: browser.execute_script(
            "const i = document.getElementById('page-image'); return i.complete && i.naturalWidth > 0;"
        ),
        "the page image",
    )
    session = {"hoso_session": browser.get_cookie("hoso_session")["value"]}
    words = httpx.get(f"{site.url}/api/v1/pages/{page_id}/words", params={"q": QUERY}, cookies=session).json()
    assert words["boxes"] and any("duc" in fold(b["text"]) for b in words["boxes"]), words
    (image,) = screen_rects(browser, "img#page-image")
    scale = (image[2] - image[0]) / words["width"]  # page points → screen pixels
    word_rects = [
        (
            image[0] + b["x0"] * scale,
            image[1] + b["top"] * scale,
            image[0] + b["x1"] * scale,
            image[1] + b["bottom"] * scale,
        )
        for b in words["boxes"]
    ]
    boxes = screen_rects(browser, "svg#page-boxes rect.hit-box")
    assert boxes, "no box drawn over the matched words"
    assert all(any(overlap(box, word) for word in word_rects) for box in boxes), (boxes, word_rects)


# ---- the viewer's tools -------------------------------------------------------------------------------


def test_jump_by_but_luc(embedded, browser):
    visit(browser, page_url(embedded, "A-QD47", 1))
    target = embedded.but_luc("A-HC1", 2)
    field = browser.find_element(By.ID, "but-luc")
    field.clear()
    field.send_keys(str(target), Keys.ENTER)
    shown = wait_for_viewer(browser, target)
    assert (shown["documentId"], shown["seq"], shown["caseId"]) == ("A-HC1", "2", CASE_A)


def test_copy_citation(embedded, browser):
    visit(browser, page_url(embedded, "A-CT12", 1))
    expected = citation(embedded.but_luc("A-CT12", 1))
    assert browser.find_element(By.ID, "citation").text.strip() == expected
    origin = embedded.url
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    browser.find_element(By.ID, "copy-citation").click()
    read = "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('(unreadable: ' + e + ')'));"
    wait_for(browser, lambda: browser.execute_async_script(read) == expected, f"the clipboard to hold {expected!r}")


def test_download_dossier(embedded, browser, tmp_path):
    visit(browser, f"{embedded.url}/cases/{CASE_A}")
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    link = browser.find_element(By.ID, "download-dossier")
    assert urlsplit(link.get_attribute("href")).path == f"/cases/{CASE_A}/dossier.pdf"
    link.click()
    (pdf,) = wait_for(
        browser, lambda: [p for p in tmp_path.iterdir() if not p.name.endswith(".crdownload")], "the download"
    )
    assert pdf.read_bytes()[:5] == b"%PDF-"
    # A copy marked for its taker on every page (tests/test_watermark.py), page for page the dossier.
    with pdfplumber.open(pdf) as copy, pdfplumber.open(embedded.dossier(CASE_A)["dossier"]) as dossier:
        assert len(copy.pages) == len(dossier.pages)
        assert all("Bản sao của" in page.extract_text() for page in copy.pages)


def image_share(sheet) -> float:
    """How much of a printed sheet's height its largest image fills (an image split over two sheets
    shows on both, clipped)."""
    shown = [min(i["bottom"], sheet.height) - max(i["top"], 0) for i in sheet.images]
    return max(shown, default=0) / sheet.height


def test_print_page_with_citation(embedded, browser):
    visit(browser, page_url(embedded, "A-CT12", 1))
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    expected = citation(embedded.but_luc("A-CT12", 1))
    with pdfplumber.open(io.BytesIO(base64.b64decode(printed["data"]))) as pdf:
        sheets = [
            (" ".join(unicodedata.normalize("NFC", sheet.extract_text() or "").split()), image_share(sheet))
            for sheet in pdf.pages
        ]
    # The page image and its citation on one sheet: a printed page cited on another can be separated from it.
    assert any(expected in text and share >= 0.4 for text, share in sheets), sheets
    assert not any("Cần xem lại" in text for text, _share in sheets), "the navigation is printed"


# ---- fonts, keyboard, screen size ---------------------------------------------------------------------


def test_vietnamese_font_has_every_glyph(embedded, browser):
    visit(browser, embedded.url + "/")
    check, loaded, family, missing = browser.execute_async_script(
        """const [letters, done] = arguments;
        document.fonts.ready.then(() => {
          // A glyph Hoso Sans lacks falls back: its width then differs between two unlike fallbacks.
          const canvas = document.createElement('canvas').getContext('2d');
          const width = (fallback, ch) => { canvas.font = '16px "Hoso Sans", ' + fallback; return canvas.measureText(ch).width; };
          const shown = [...new Set(letters + document.body.innerText.replace(/\\s/g, ''))];
          done([
            document.fonts.check('16px "Hoso Sans"', 'ệ ừ Đ'),
            [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Hoso Sans' && f.status === 'loaded').length,
            getComputedStyle(document.body).fontFamily,
            shown.filter(ch => width('serif', ch) !== width('monospace', ch)).join(''),
          ]);
        });""",
        VIETNAMESE,
    )
    assert check and loaded, "the shipped Hoso Sans is not loaded"
    assert family.replace('"', "").startswith("Hoso Sans"), family
    assert not missing, f"Hoso Sans lacks {missing!r}: tofu or another font"


def test_keyboard(embedded, browser):
    visit(browser, embedded.url + "/")
    # The skip link comes first: one Tab from a fresh page, or back from an autofocused search box.
    backwards = focused(browser) == "input#q"
    assert tab_to(browser, "a.skip", backwards=backwards), "Tab does not reach the skip link"
    (skip,) = screen_rects(browser, "a.skip")
    assert skip[0] >= 0 and skip[1] >= 0, "the focused skip link is off screen"
    press(browser, Keys.ENTER)
    assert focused(browser) == "main#main", "the skip link does not lead to the page's content"
    assert tab_to(browser, "input#q"), "Tab does not reach the search box"

    first = embedded.but_luc("A-HC1", 1)
    visit(browser, page_url(embedded, "A-HC1", 1))
    press(browser, Keys.ARROW_RIGHT)
    assert wait_for_viewer(browser, first + 1)["seq"] == "2"
    press(browser, Keys.ARROW_LEFT)
    assert wait_for_viewer(browser, first)["seq"] == "1"


@pytest.mark.parametrize(
    "path", ["/", f"/?q={quote(QUERY)}", "/pages/A-CT12:1?q=tran", f"/cases/{CASE_A}", "/cases", "/status", "/review"]
)
def test_fits_1366x768(embedded, browser, path):
    visit(browser, embedded.url + path)
    inner, scroll = browser.execute_script("return [innerWidth, document.documentElement.scrollWidth];")
    assert inner == WIDTH
    assert scroll <= inner, f"{path} scrolls sideways ({scroll} px wide)"
