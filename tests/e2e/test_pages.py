import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AXE_SCRIPT
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = {
    "home": ("/", "Expert human judgment for the work models can't yet do"),
    "login": ("/accounts/login/", "Sign in"),
    "signup": ("/accounts/signup/", "Sign up"),
}


def log_in(page: Page, base_url: str, email: str, next_path: str = "") -> None:
    page.goto(f"{base_url}/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))"
    )
    return result


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_renders(live_server, new_page, screenshot_dir, name, viewport):
    path, heading = PUBLIC_PAGES[name]
    page = new_page(viewport)
    failed = []
    page.on("console", lambda message: failed.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: failed.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )

    response = page.goto(f"{live_server.url}{path}")

    assert response is not None and response.status == 200
    expect(page.get_by_role("banner").get_by_role("link", name="Assay")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(re.compile("Assay"))
    expect(page.get_by_role("contentinfo")).to_contain_text("Assay")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at the {viewport} size"
    assert failed == [], f"console errors or failed requests on {name}: {failed}"
    page.screenshot(path=screenshot_dir / f"{name}-{viewport}.png", full_page=True)


def test_first_tab_focuses_visible_skip_link(live_server, new_page):
    page = new_page()
    page.goto(live_server.url)
    skip_link = page.get_by_role("link", name="Skip to content")

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    expect(skip_link).to_have_attribute("href", "#content")
    style = skip_link.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
    )
    assert (style["outline"] != "none" and style["width"] > 0) or style["shadow"] != "none", style

    page.keyboard.press("Enter")

    expect(page.locator("main#content")).to_be_focused()


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_has_no_wcag_a_or_aa_violations(live_server, new_page, name):
    page = new_page()
    page.goto(f"{live_server.url}{PUBLIC_PAGES[name][0]}")

    violations = axe_violations(page)

    assert violations == [], f"axe found WCAG 2 A/AA violations on {name}:\n{json.dumps(violations, indent=2)}"


def test_lab_owner_logs_in_through_the_form_and_reaches_their_admin(live_server, new_page, screenshot_dir, owner_a):
    page = new_page()

    log_in(page, live_server.url, owner_a.user.email, next_path="/admin/")

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_have_text("Assay administration")
    expect(page.locator("#user-tools")).to_contain_text("Lab A")
    expect(page).to_have_title(re.compile("Assay admin"))
    page.screenshot(path=screenshot_dir / "admin-index-desktop.png", full_page=True)


def test_member_of_two_labs_switches_organization_in_the_admin(live_server, new_page, screenshot_dir, owner_a):
    MembershipFactory(user=owner_a.user, organization=OrganizationFactory(name="Lab B", slug="lab-b"), role="viewer")
    page = new_page()
    log_in(page, live_server.url, owner_a.user.email, next_path="/admin/")
    switcher = page.get_by_label("Organization")
    expect(switcher).to_have_value(str(owner_a.organization_id))

    switcher.select_option(label="Lab B (Viewer)")
    page.get_by_role("button", name="Switch").click()

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_text("Now working in Lab B.")).to_be_visible()
    expect(page.get_by_label("Organization")).to_have_text(re.compile("Lab B"))
    page.screenshot(path=screenshot_dir / "admin-switcher-desktop.png")


def test_signed_in_home_greets_the_user_and_lists_their_organizations(live_server, new_page, screenshot_dir, owner_a):
    page = new_page("phone")

    log_in(page, live_server.url, owner_a.user.email, next_path="/")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome back")
    expect(page.locator(".org-list")).to_contain_text("Lab A")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Lab admin")).to_be_visible()
    page.screenshot(path=screenshot_dir / "home-signed-in-phone.png", full_page=True)
    violations = axe_violations(page)
    assert violations == [], f"axe found WCAG 2 A/AA violations:\n{json.dumps(violations, indent=2)}"


def test_expert_without_membership_is_turned_away_from_the_admin(live_server, new_page, expert):
    page = new_page()
    log_in(page, live_server.url, expert.email)
    expect(page).to_have_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/admin/")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("alert")).to_contain_text("no access to the administration site")
    expect(page.get_by_text("Assay administration")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("admin"))).to_have_count(0)
