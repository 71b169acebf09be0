"""Petitions in a real browser (issue 14, item 5): a clerk opens the register /don, a petition, accepts it
through its form and sees the result; the process diagram draws with its counts and prints on one A4
sheet without the navigation. Debian's chromium against `hoso serve` on the petitions home of
test_web_petitions.py; each test leaves a screenshot in tests/artifacts/ (look at them), the print its PDF.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pdfplumber
import pytest
from selenium.webdriver.common.by import By

from browser_kit import ARTIFACTS, WIDTH, Site, keep_screenshot, launch_chromium, serving, sign_in, wait_for
from dossier_kit import cli_json
from pipeline.petitions.workflow import load_workflow
from test_web_petitions import build_petition_home
from web_kit import CLERK, LEADER

pytestmark = pytest.mark.browser
chromium = pytest.fixture(scope="module", name="chromium")(launch_chromium)
browser = pytest.fixture(name="browser")(keep_screenshot)
A4_LANDSCAPE = (842, 595)  # points


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_petition_home(tmp_path_factory.mktemp("petitions-browser"))


@pytest.fixture(scope="module")
def site(built) -> Iterator[Site]:
    with serving(built[0]) as site:
        yield site


def keep(browser, name: str, *, whole: bool = False) -> None:
    """A screenshot of what the browser shows now (`whole`: the whole page), as tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    if not whole:
        browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        return
    height = browser.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
    (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def visit_as(browser, url: str, account: tuple[str, str]) -> None:
    """Open a page, signing in as `account` when sent to the sign-in page first."""
    browser.get(url)
    if urlsplit(browser.current_url).path == "/dang-nhap":
        sign_in(browser, *account)
        wait_for(browser, lambda: urlsplit(browser.current_url).path != "/dang-nhap", "the sign-in to go through")
    assert not browser.find_elements(By.CSS_SELECTOR, "section.error[role=alert]")


def test_clerk_opens_the_register_and_a_petition_and_accepts_it(site, built, browser):
    ids = built[1]
    visit_as(browser, site.url + "/don", CLERK)
    rows = browser.find_elements(By.CSS_SELECTOR, "#petition-register tbody tr")
    assert len(rows) == 7
    overdue = browser.find_element(By.CSS_SELECTOR, f'tr[data-petition-id="{ids["overdue"]}"] .due.overdue')
    assert overdue.text.startswith("⚠ Quá hạn") or overdue.text.startswith("Quá hạn")
    assert overdue.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"  # coloured, not just a word
    keep(browser, "petitions_register")

    browser.find_element(By.CSS_SELECTOR, f'a.petition-link[href="/don/{ids["fresh"]}"]').click()
    wait_for(browser, lambda: browser.find_elements(By.ID, "petition-timeline"), "the petition's page")
    assert browser.find_element(By.ID, "petition-status").text == "Đã phân loại"
    image = browser.find_element(By.CSS_SELECTOR, ".scan-page img")
    browser.execute_script("arguments[0].scrollIntoView()", image)
    wait_for(browser, lambda: browser.execute_script("return arguments[0].naturalWidth", image) > 0, "the scan")
    wait_for(
        browser, lambda: all(browser.execute_script("return [...document.images].map(i => i.complete)")), "every page"
    )
    keep(browser, "petition_before_accept", whole=True)
    browser.execute_script("window.scrollTo(0, 0)")

    browser.find_element(By.CSS_SELECTOR, "form.act-accept button[type=submit]").click()
    wait_for(browser, lambda: browser.find_elements(By.ID, "flash"), "the message of the action")
    assert "Đã thụ lý đơn" in browser.find_element(By.ID, "flash").text
    assert browser.find_element(By.ID, "petition-status").text == "Đã thụ lý"
    assert cli_json(site.home, "petitions", "show", ids["fresh"])["status"] == "accepted"
    current = browser.find_element(By.CSS_SELECTOR, "#petition-diagram g.state.current")
    assert current.get_attribute("id") == "state-accepted"


def test_the_diagram_draws_and_prints_on_one_a4_sheet(site, browser):
    visit_as(browser, site.url + "/don/so-do", LEADER)
    nodes = browser.find_elements(By.CSS_SELECTOR, "#process-diagram g.state")
    assert len(nodes) == len(load_workflow().states)
    box = browser.find_element(By.CSS_SELECTOR, "#process-diagram svg").rect
    assert box["width"] > 800 and box["height"] > 150  # drawn at a readable size on a 1366 px screen
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    data = base64.b64decode(printed["data"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "petition_diagram_print.pdf").write_bytes(data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        sizes = [(round(p.width), round(p.height)) for p in pdf.pages]
        first = " ".join((pdf.pages[0].extract_text() or "").split())
    assert sizes[0] == A4_LANDSCAPE
    assert "Tiếp nhận" in first and "Đã giải quyết" in first  # the diagram on the first sheet
    assert "Sổ thụ lý đơn Hồ sơ vụ án" not in first and "Đăng xuất" not in first  # no navigation
