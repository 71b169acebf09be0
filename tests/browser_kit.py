"""What the browser tests share (test_web_browser.py, test_web_browser_rights.py): `hoso serve` as a
child process on a home, Debian's chromium driven by Selenium at 1366×768, and the sign-in page
filled in as a person does. A test module makes its fixtures of `launch_chromium` and `keep_screenshot`
(`pytest_plugins` would import this module before pytest could rewrite its asserts); each test leaves
a screenshot named after it in tests/artifacts/ (look at them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO, free_port, unavailable
from dossier_kit import cli_json
from web_kit import CASE_A

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "tests" / "artifacts"
WIDTH, HEIGHT = 1366, 768
WAIT = 10  # seconds: a page, a redirect or a download of the tiny home takes far less


@dataclass
class Site:
    """A home and the `hoso serve` child process serving it."""

    home: Path
    url: str  # http://127.0.0.1:PORT, no trailing slash

    def dossier(self, case_id: str) -> dict:
        """`hoso dossier show --json`: the catalog's own answer, to hold the web pages against."""
        return cli_json(self.home, "dossier", "show", case_id)

    def but_luc(self, document_id: str, seq: int) -> int:
        """The bút lục of a page of a document of case 2024-HS-0123, from its dossier."""
        for doc in self.dossier(CASE_A)["documents"]:
            if doc["id"] == document_id:
                return doc["but_luc"][0] + seq - 1
        raise KeyError(document_id)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def serving(home: Path) -> Iterator[Site]:
    """`hoso serve` on a free loopback port, up once its sign-in page answers; stopped (and reaped) afterwards."""
    port = free_port()
    # The home's own hoso.toml picks the backend: an inherited HOSO_OPENSEARCH_URL would override it.
    env = {k: v for k, v in os.environ.items() if k != "HOSO_OPENSEARCH_URL"} | {"HOSO_HOME": str(home)}
    log = home.parent / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not answers(url + "/dang-nhap"):
            if time.monotonic() > deadline:
                raise AssertionError(f"hoso serve did not answer on {url} within 30 s:\n{log.read_text()}")
            try:  # the wait between two polls, and a server that died says so at once
                code = server.wait(0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"hoso serve exited {code}:\n{log.read_text(errors='replace')}")
        yield Site(home, url)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def launch_chromium() -> Iterator[webdriver.Chrome]:
    """One headless chromium for the module (starting one costs more than a test): the `chromium` fixture."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if not program.is_file():
            unavailable(
                f"{program} is missing: Debian's chromium and chromium-driver come with the test tier "
                "(HOSO_OPENSEARCH=1 scripts/install-deps.sh, as `make test` runs it)"
            )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: chromium refuses to run as root (CI) with its sandbox.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def keep_screenshot(chromium, request) -> Iterator[webdriver.Chrome]:
    """The `browser` fixture: the module's chromium; what it shows at the end of the test is kept as
    tests/artifacts/<test>.png."""
    yield chromium
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.save_screenshot(str(ARTIFACTS / (re.sub(r"[^\w.-]+", "_", request.node.name).strip("_") + ".png")))


def sign_in(browser, name: str, password: str) -> None:
    """Fill the sign-in page the browser shows, as a person does, and send it."""
    browser.find_element(By.ID, "name").clear()
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password, Keys.ENTER)


def wait_for(browser, condition, message: str):
    return WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: condition(), message
    )
