"""Who may see what (issue 13), tried in a real browser against `hoso serve` (tests/browser_kit.py):
what an account of each role sees and what it gets when it types the URLs of what it may not see.

A prosecutor of 2025-HS-0007 guessing the ids, pages, bút lục and image URLs of 2024-HS-0123 gets
the answers of ids that do not exist; a leader cleared for `thuong` meets a Mật document only as
"Tài liệu mật"; an admin reads the audit trail and no case; a planted session cookie, a form without
its token and a guessed password get nowhere; each user's page image carries their own mark.
Screenshots of each test (and of the pages named by `snap`) are kept in tests/artifacts/.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pytest
from PIL import Image, ImageChops
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_kit import ARTIFACTS, Site, keep_screenshot, launch_chromium, serving, sign_in, wait_for
from dossier_kit import cli
from ingest.access import SECRET_DOCUMENT, SECRET_DOSSIER
from web_kit import CASE_A, CASE_B, LEADER, add_user, build_web_home, signed_in

pytestmark = pytest.mark.browser
chromium = pytest.fixture(scope="module", name="chromium")(launch_chromium)
browser = pytest.fixture(name="browser")(keep_screenshot)

# (name, password, role, clearance)
PROSECUTOR = ("kiemsat.b", "mat-khau-kiem-sat-b1", "prosecutor", "thuong")  # assigned 2025-HS-0007 only
THUONG_LEADER = ("lanhdao.thuong", "mat-khau-lanh-dao-t1", "leader", "thuong")
ADMIN = ("quantri", "mat-khau-quan-tri-01", "admin", "toi_mat")
LOCKABLE = ("thuky.c", "mat-khau-thu-ky-c01", "clerk", "thuong")  # the lock-out test's own account

SECRET_ID, SECRET_NUMBER = "A-CT12", "12/CT-VKS-P2"  # made Mật for this module
SECRET_PHRASE = "ra trước Tòa án nhân dân thành phố Hạ Long"  # on A-CT12's page only
QUERY = "tran van duc"  # a person of 2024-HS-0123 only
NO_CASE, NO_DOCUMENT = "2024-HS-9999", "NO-SUCH"
REDIRECT = 0  # the status fetch() gives a redirect it was told not to follow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    home = build_web_home(tmp_path_factory.mktemp("web-rights"))
    for name, password, role, clearance in (PROSECUTOR, THUONG_LEADER, ADMIN, LOCKABLE):
        add_user(home, name, role, clearance, password)
    cli(home, "case", "assign", CASE_B, PROSECUTOR[0])
    cli(home, "doc", "set", SECRET_ID, "classification", "mat")
    with serving(home) as served:
        yield served


# ---- helpers ---------------------------------------------------------------------------------------


def path_of(browser) -> str:
    return urlsplit(browser.current_url).path


def submit_sign_in(browser, name: str, password: str) -> None:
    """Sign in on the sign-in page shown, and wait for the answer (the next page, or the refusal)."""
    browser.execute_script("window.beforeSubmit = true;")
    sign_in(browser, name, password)
    wait_for(browser, lambda: browser.execute_script("return !window.beforeSubmit;"), "the answer to the sign-in")


def sign_in_as(browser, site: Site, account: tuple) -> None:
    """A fresh browser (no cookie) signing in through the sign-in page."""
    browser.delete_all_cookies()
    browser.get(site.url + "/dang-nhap")
    submit_sign_in(browser, *account[:2])
    assert path_of(browser) != "/dang-nhap", f"{account[0]} could not sign in"


def fetched(browser, path: str, *, method: str = "GET", form: dict | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a request the page sends with fetch(): the browser's own
    cookies, no redirect followed (fetch hides a redirect's status and target: it reads as REDIRECT)."""
    answer = tuple(
        browser.execute_async_script(
            """const [url, method, form, done] = arguments;
            const body = form ? new URLSearchParams(form) : undefined;
            fetch(url, {method, body, redirect: 'manual'})
              .then(async r => done([r.status, r.headers.get('content-type') || '', await r.text()]))
              .catch(e => done([null, '', String(e)]));""",
            path,
            method,
            form,
        )
    )
    assert answer[0] is not None, f"{method} {path} failed: {answer[2]}"
    return answer


def image_bytes(browser, path: str) -> bytes:
    """The bytes of an image as the signed-in page fetches it."""
    encoded = browser.execute_async_script(
        """const [url, done] = arguments;
        fetch(url).then(r => r.arrayBuffer()).then(b => {
          let s = ''; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); done(btoa(s));
        });""",
        path,
    )
    return base64.b64decode(encoded)


def answers_like_missing(browser, path: str, missing: str, forbidden_id: str, missing_id: str) -> None:
    """`path` (of something outside the user's rights) answers as `missing` (the same URL for an id
    that does not exist) does, word for word once the id is swapped: status, type and body."""
    status, kind, body = fetched(browser, path)
    assert status == 404, (path, status, body[:300])
    assert (status, kind, body.replace(forbidden_id, missing_id)) == fetched(browser, missing), path


def shown_like_missing(browser, site: Site, path: str, missing: str, forbidden_id: str, missing_id: str) -> None:
    """The page the browser shows for `path` reads as the one for `missing`, the id swapped."""
    browser.get(site.url + missing)
    expected = browser.find_element(By.TAG_NAME, "main").text
    browser.get(site.url + path)
    shown = browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.CSS_SELECTOR, "section.error[role=alert]"), f"{path} is not an error page"
    assert shown.replace(forbidden_id, missing_id) == expected, (path, shown)


def search_in_page(browser, site: Site, words: str) -> None:
    """Type `words` in the search box and send them; wait for the results."""
    browser.get(site.url + "/")
    browser.find_element(By.ID, "q").send_keys(words + "\n")
    # The empty home page has a #results too: wait for the page that answers the query.
    wait_for(
        browser,
        lambda: (
            "q=" in urlsplit(browser.current_url).query
            and browser.execute_script("return document.readyState") == "complete"
            and browser.find_elements(By.CSS_SELECTOR, "#results:not(.empty-state)")
        ),
        "the results",
    )


def assert_no_result(browser) -> None:
    """No hit, no total and no facet on the results page shown."""
    assert not browser.find_elements(By.CSS_SELECTOR, "#results .doc-group")
    assert "Không tìm thấy trang nào" in browser.find_element(By.ID, "results").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#facets .facet-value, #facets .count")
    assert not browser.find_elements(By.ID, "result-summary")


def snap(browser, name: str) -> None:
    """A screenshot of what the browser shows now, as tests/artifacts/rights_<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"rights_{name}.png"))


def secret_but_luc(site: Site) -> tuple[int, int]:
    (doc,) = [d for d in site.dossier(CASE_A)["documents"] if d["id"] == SECRET_ID]
    return tuple(doc["but_luc"])


# ---- (a) a prosecutor guessing another case's URLs ------------------------------------------------------


def test_prosecutor_finds_nothing_of_a_case_not_theirs_and_its_urls_answer_as_missing(site, browser):
    sign_in_as(browser, site, PROSECUTOR)
    search_in_page(browser, site, QUERY)
    assert_no_result(browser)
    assert CASE_A not in browser.page_source  # not a facet, not an option of the case filter
    snap(browser, "prosecutor_search")
    status, _, body = fetched(browser, f"/api/v1/search?q={quote(QUERY)}")
    assert status == 200 and '"total":0' in body.replace(" ", ""), body
    assert CASE_A not in body
    # Their own case is found: the empty answer above is the trimming, not a broken search.
    status, _, body = fetched(browser, f"/api/v1/search?q={quote('le thi hoa')}")
    assert status == 200 and CASE_B in body and "B-QD9" in body

    case_urls = ["", "/but-luc?but_luc=1", "/dossier.pdf"]
    for tail in case_urls:
        answers_like_missing(browser, f"/cases/{CASE_A}{tail}", f"/cases/{NO_CASE}{tail}", CASE_A, NO_CASE)
    answers_like_missing(browser, f"/api/v1/cases/{CASE_A}", f"/api/v1/cases/{NO_CASE}", CASE_A, NO_CASE)
    for template in (
        "/documents/{}",
        "/api/v1/documents/{}",
        "/pages/{}:1",
        "/api/v1/pages/{}:1",
        "/api/v1/pages/{}:1/image",
        "/api/v1/pages/{}:1/image?w=160",
        "/api/v1/pages/{}:1/words?q=x",
    ):
        path, missing = template.format("A-QD47"), template.format(NO_DOCUMENT)
        answers_like_missing(browser, path, missing, "A-QD47", NO_DOCUMENT)
    shown_like_missing(browser, site, f"/cases/{CASE_A}", f"/cases/{NO_CASE}", CASE_A, NO_CASE)
    shown_like_missing(browser, site, "/pages/A-QD47:1", f"/pages/{NO_DOCUMENT}:1", "A-QD47", NO_DOCUMENT)
    shown_like_missing(browser, site, "/documents/A-QD47", f"/documents/{NO_DOCUMENT}", "A-QD47", NO_DOCUMENT)
    for secret in ("Trần Văn Đức", "47/QĐ-VKS-P2"):
        assert secret not in browser.page_source


# ---- (b) a leader cleared for thuong and a Mật document ------------------------------------------------


def test_thuong_leader_sees_the_secret_document_only_as_tai_lieu_mat(site, browser):
    first, last = secret_but_luc(site)
    sign_in_as(browser, site, THUONG_LEADER)
    search_in_page(browser, site, SECRET_PHRASE)
    assert_no_result(browser)
    # Its page counts nowhere: "Trần Văn Đức" is on A-QD47's page, A-HC1's first and A-CT12's.
    status, _, body = fetched(browser, f"/api/v1/search?q={quote(QUERY)}")
    assert status == 200 and SECRET_ID not in body and SECRET_NUMBER not in body
    assert re.search(r'"total":\s*2\b', body), body
    search_in_page(browser, site, QUERY)
    assert browser.find_element(By.ID, "result-summary").text.startswith("Kết quả 1–2 trong 2 trang")
    counts = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#facets .facet .count")]
    assert counts and all(int(c) <= 2 for c in counts), counts

    answers_like_missing(browser, f"/pages/{SECRET_ID}:1", f"/pages/{NO_DOCUMENT}:1", SECRET_ID, NO_DOCUMENT)
    answers_like_missing(
        browser, f"/api/v1/pages/{SECRET_ID}:1/image", f"/api/v1/pages/{NO_DOCUMENT}:1/image", SECRET_ID, NO_DOCUMENT
    )
    answers_like_missing(browser, f"/documents/{SECRET_ID}", f"/documents/{NO_DOCUMENT}", SECRET_ID, NO_DOCUMENT)
    answers_like_missing(
        browser,
        f"/cases/{CASE_A}/but-luc?but_luc={first}",
        f"/cases/{CASE_A}/but-luc?but_luc=999",
        f"bút lục {first}",
        "bút lục 999",
    )
    status, _, body = fetched(browser, f"/cases/{CASE_A}/dossier.pdf")
    assert status == 403 and SECRET_DOSSIER in body
    # The page before it in the dossier leads past it: "Trang sau" is not its page.
    browser.get(f"{site.url}/pages/A-HC1:2")
    assert browser.find_element(By.ID, "viewer").get_attribute("data-but-luc") == str(first - 1)
    assert SECRET_ID not in browser.page_source and SECRET_NUMBER not in browser.page_source

    browser.get(f"{site.url}/cases/{CASE_A}")
    (row,) = browser.find_elements(By.CSS_SELECTOR, "#toc tr.masked")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    span = f"{first}" if first == last else f"{first}–{last}"
    assert cells[1] == SECRET_DOCUMENT and cells[4] == span, cells
    assert not row.find_elements(By.TAG_NAME, "a")  # nothing to open
    assert browser.find_element(By.ID, "dossier-withheld").text == SECRET_DOSSIER
    assert not browser.find_elements(By.ID, "download-dossier")
    source = browser.page_source
    for secret in (SECRET_ID, SECRET_NUMBER, "CT-VKS", "Cáo trạng", "03/05/2024", "Tòa án"):
        assert secret not in source, f"{secret!r} shows in the dossier page"
    assert "47/QĐ-VKS-P2" in source  # the documents they may read are listed in full


# ---- (c) the admin: the trail, no case content ------------------------------------------------------------


def test_admin_reads_the_audit_trail_and_no_case(site, browser, tmp_path):
    sign_in_as(browser, site, PROSECUTOR)  # a sign-in, a search and page images for the trail to show
    search_in_page(browser, site, "le thi hoa")
    search_in_page(browser, site, QUERY)
    cli(site.home, "dossier", "export", CASE_B, "--out", str(tmp_path / "copy.pdf"))
    sign_in_as(browser, site, ADMIN)
    browser.get(f"{site.url}/status")
    assert not browser.find_elements(By.CSS_SELECTOR, "section.error")
    assert browser.find_element(By.TAG_NAME, "h1").text

    browser.get(f"{site.url}/nhat-ky?user={PROSECUTOR[0]}")
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit-rows tbody tr")]
    assert any("Đăng nhập" in r and "127.0.0.1" in r for r in rows), rows
    assert any("Tìm kiếm" in r and QUERY in r for r in rows), rows
    assert not any(PROSECUTOR[1] in r for r in rows)
    browser.get(f"{site.url}/nhat-ky")
    everyone = browser.find_element(By.ID, "audit-rows").text
    for name in (PROSECUTOR[0], THUONG_LEADER[0], ADMIN[0]):
        assert name in everyone
    snap(browser, "admin_audit")
    actions = browser.find_elements(By.CSS_SELECTOR, "#audit-rows tbody td:nth-child(5)")
    for cell in actions:  # "Tìm kiếm search": each action named in Vietnamese before its code
        code = cell.find_element(By.TAG_NAME, "code").text
        assert cell.text.removesuffix(code).strip() != code, f"{code} has no Vietnamese name"
    Select(browser.find_element(By.ID, "f-action")).select_by_visible_text("Xuất bản sao")
    browser.find_element(By.CSS_SELECTOR, ".audit-filters button[type=submit]").click()
    wait_for(browser, lambda: "action=" in browser.current_url, "the filtered trail")
    exports = browser.find_elements(By.CSS_SELECTOR, "#audit-rows tbody tr")
    assert exports and all("dossier.export" in r.text for r in exports), "the export is not under its filter"

    answers_like_missing(browser, f"/cases/{CASE_A}", f"/cases/{NO_CASE}", CASE_A, NO_CASE)
    answers_like_missing(browser, "/documents/A-QD47", f"/documents/{NO_DOCUMENT}", "A-QD47", NO_DOCUMENT)
    browser.get(f"{site.url}/cases")
    assert CASE_A not in browser.page_source and CASE_B not in browser.page_source
    search_in_page(browser, site, QUERY)
    assert_no_result(browser)
    assert CASE_A not in browser.page_source


# ---- (d) session fixation ---------------------------------------------------------------------------


def test_a_planted_session_cookie_is_never_the_session(site, browser):
    browser.delete_all_cookies()
    browser.get(site.url + "/dang-nhap")
    planted = "planted-by-someone-else-" + "x" * 20
    browser.add_cookie({"name": "hoso_session", "value": planted, "path": "/"})
    browser.get(f"{site.url}/cases/{CASE_B}")
    assert path_of(browser) == "/dang-nhap"  # a value the server never gave opens nothing
    snap(browser, "signin_page")
    submit_sign_in(browser, *PROSECUTOR[:2])
    assert path_of(browser) == f"/cases/{CASE_B}"  # back where it was going
    session = browser.get_cookie("hoso_session")["value"]
    assert session != planted

    browser.find_element(By.CSS_SELECTOR, "form.account button").click()
    wait_for(browser, lambda: path_of(browser) == "/dang-nhap", "the sign-in page after signing out")
    browser.add_cookie({"name": "hoso_session", "value": session, "path": "/"})  # the old one, set back
    browser.get(f"{site.url}/cases/{CASE_B}")
    assert path_of(browser) == "/dang-nhap"
    status, _, body = fetched(browser, f"/api/v1/cases/{CASE_B}")
    assert status == 401 and "UNAUTHENTICATED" in body


# ---- (e) CSRF ---------------------------------------------------------------------------------------


def number_of(site: Site, case_id: str, document_id: str) -> str | None:
    (doc,) = [d for d in site.dossier(case_id)["documents"] if d["id"] == document_id]
    return doc["number"]


def test_a_form_without_its_token_is_refused_and_changes_nothing(site, browser):
    sign_in_as(browser, site, THUONG_LEADER)  # a leader may correct: only the token is missing
    browser.get(f"{site.url}/cases/{CASE_B}")
    before = number_of(site, CASE_B, "B-KL1")
    token = browser.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    correction = {"field": "number", "value": "99/HACKED", "back": ""}
    for form in (correction, {**correction, "csrf": ""}, {**correction, "csrf": "x" * 43}):
        status, _, body = fetched(browser, "/review/B-KL1/field", method="POST", form=form)
        assert status == 403 and "99/HACKED" not in body, (form, status)
    status, _, _ = fetched(browser, "/dang-xuat", method="POST", form={})
    assert status == 403
    # The same form with the page's token goes through (here changing nothing: the value it has).
    status, _, _ = fetched(
        browser, "/review/B-KL1/field", method="POST", form={"field": "number", "value": before or "", "csrf": token}
    )
    assert status == REDIRECT  # back to the review, with "không có gì thay đổi"

    # A form of another page, built and sent as a forged one would be: the error page, nothing changed.
    browser.execute_script(
        """const f = document.createElement('form');
        f.method = 'post'; f.action = '/review/B-KL1/field';
        for (const [k, v] of Object.entries({field: 'number', value: '99/HACKED'})) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.append(i);
        }
        document.body.append(f); f.submit();"""
    )
    error = wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "section.error[role=alert]"), "refusal")
    assert "Không được phép" in error[0].text
    snap(browser, "csrf_refused")
    assert number_of(site, CASE_B, "B-KL1") == before
    browser.get(f"{site.url}/cases/{CASE_B}")  # still signed in: the refused sign-out did nothing
    assert path_of(browser) == f"/cases/{CASE_B}"


# ---- (f) lock-out ------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_until_unlocked(site, browser):
    name, password = LOCKABLE[:2]
    browser.delete_all_cookies()
    browser.get(site.url + "/dang-nhap")
    refusals = []
    for attempt in range(5):
        submit_sign_in(browser, name, f"wrong-password-{attempt}")
        refusals.append(browser.find_element(By.CSS_SELECTOR, ".refused[role=alert]").text)
    submit_sign_in(browser, name, password)  # the right one, now refused
    assert path_of(browser) == "/dang-nhap"
    refusals.append(browser.find_element(By.CSS_SELECTOR, ".refused[role=alert]").text)
    assert len(set(refusals)) == 1 and "không đúng" in refusals[0], refusals
    assert password not in browser.page_source
    snap(browser, "signin_locked")

    cli(site.home, "user", "unlock", name)
    submit_sign_in(browser, name, password)
    assert path_of(browser) == "/", browser.page_source[:500]
    assert name in browser.find_element(By.CSS_SELECTOR, "header.top").text


# ---- (g) watermarks ---------------------------------------------------------------------------------


def test_each_user_gets_a_page_image_marked_with_their_name(site, browser):
    image = "/api/v1/pages/B-QD9:1/image"
    with httpx.Client(base_url=site.url) as leader:
        theirs = signed_in(leader, *LEADER).get(image)
    assert theirs.status_code == 200
    sign_in_as(browser, site, PROSECUTOR)
    browser.get(f"{site.url}/pages/B-QD9:1")
    wait_for(
        browser,
        lambda: browser.execute_script(
            "const i = document.getElementById('page-image'); return i.complete && i.naturalWidth > 0;"
        ),
        "the page image",
    )
    mine = image_bytes(browser, image)
    assert mine[:8] == b"\x89PNG\r\n\x1a\n"
    for who, data in ((PROSECUTOR[0], mine), (LEADER[0], theirs.content)):  # to look at: the mark names who
        (ARTIFACTS / f"rights_page_image_{who}.png").write_bytes(data)
    assert image_bytes(browser, image) == mine  # the same user's copy of the hour: the same bytes
    assert mine != theirs.content
    # Same page, same size: the two differ only where the marks are, not in the page itself.
    a, b = (Image.open(io.BytesIO(data)).convert("L") for data in (mine, theirs.content))
    assert a.size == b.size
    changed = ImageChops.difference(a, b).point(lambda v: 255 if v > 16 else 0)
    share = sum(changed.histogram()[255:]) / (a.width * a.height)
    assert 0 < share < 0.1, share
    browser.execute_script("document.getElementById('page-image').scrollIntoView({block: 'center'});")
