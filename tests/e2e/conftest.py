"""Browser tests: the system Chromium, driven through Playwright's sync API against pytest-django's live server.

One browser serves every test in this package; each test opens its own context, so cookies and
storage never leak between tests. Without Chromium at ``/usr/bin/chromium`` the browser tests are
skipped, with the reason in the test summary.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from accounts.exam_bank import exam_bank_sync
from accounts.models import Domain, Exam, ExamQuestion
from accounts.taxonomy import taxonomy_sync

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}


@pytest.fixture(scope="package")
def browser():
    """The system Chromium, launched once and closed when the browser tests are done.

    While Playwright's sync API is open it keeps an asyncio event loop running in the test thread,
    and Django refuses ORM calls (the factories, the database flush) from a thread with a running
    loop unless told it is deliberate. Package scope keeps both the loop and that permission to
    this package, so the rest of the suite still gets Django's check.
    """
    if not CHROMIUM.exists():
        reason = f"browser tests need the system Chromium at {CHROMIUM} (apt-get install chromium)"
        print(f"\n{reason}: skipping")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    allowed_before = "DJANGO_ALLOW_ASYNC_UNSAFE" in os.environ
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if not allowed_before:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(browser) -> Iterator[Callable]:
    """Opens a page in a fresh browser context: ``new_page("phone")`` or ``new_page()`` for desktop."""
    contexts = []

    def open_page(viewport: str = "desktop"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], reduced_motion="reduce")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Seeded domains and exams, present for every browser test.

    A transactional test elsewhere empties every table when it ends, and serialized rollback would
    normally put the seeded rows back. Here it cannot: once Playwright's event loop runs in this
    thread, Django hands the test a different connection object, one without the serialized copy.
    So the seeds are re-created the way the migrations create them (both steps add only what is
    missing).
    """
    if not Domain.objects.exists():
        taxonomy_sync(Domain)
    if not Exam.objects.exists():
        exam_bank_sync(Exam=Exam, ExamQuestion=ExamQuestion, Domain=Domain)
