"""Real Chromium through Playwright against the live test server."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# to set up data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    require(
        "Chromium",
        shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(),
        "apt-get install -y chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def login(page):
    def do_login(username, password="collab-demo"):
        page.context.clear_cookies()
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def artifact_path():
    ARTIFACTS.mkdir(exist_ok=True)
    return lambda name: str(ARTIFACTS / name)
