"""The expert's whole path in a real browser: sign up, verify, onboard, prove expertise, qualify.

A stranger signs up, opens the verification link from the email that was sent, completes the
onboarding wizard, uploads a credential PDF; a platform staff member approves it in the admin;
the expert then sees the qualification and passes an eligibility check that requires it.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Credential, ExpertProfile, Qualification, User
from tests.e2e.test_pages import axe_violations, log_in
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.browser

PASSWORD = "a long and unusual passphrase"


def _shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"onboarding-{name}.png"), full_page=True)


def test_stranger_becomes_a_qualified_expert(live_server, new_page, screenshot_dir, superuser, tmp_path):
    page = new_page()
    base = live_server.url

    # Sign up and verify the address through the emailed link.
    page.goto(f"{base}/accounts/signup/")
    page.locator('input[name="email"]').fill("ada@physics.example.com")
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{base}{link}")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/dashboard/")
    _shot(page, screenshot_dir, "1-dashboard-new")

    # The wizard: profile, leave and come back, domains, terms.
    page.goto(f"{base}/onboarding/")
    expect(page).to_have_url(f"{base}/onboarding/profile/")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Country of residence").select_option("GB")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.locator('input[name="languages"][value="en"]').check()
    page.get_by_label("Highest education").select_option("doctorate")
    page.get_by_label("Current occupation").fill("Research physicist")
    _shot(page, screenshot_dir, "2-profile")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{base}/onboarding/domains/")

    page.goto(f"{base}/dashboard/")
    page.goto(f"{base}/onboarding/")
    expect(page).to_have_url(f"{base}/onboarding/domains/")  # resumes where she stopped
    page.locator('input[name="pick-quantum-mechanics"]').check()
    page.locator('input[name="years-quantum-mechanics"]').fill("12")
    _shot(page, screenshot_dir, "3-domains")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{base}/onboarding/terms/")
    page.locator('input[name="agree"]').check()
    page.get_by_role("button", name="Save and finish").click()

    # Upload the evidence for a doctorate.
    evidence = tmp_path / "doctorate.pdf"
    evidence.write_bytes(MINIMAL_PDF)
    page.goto(f"{base}/credentials/add/")
    page.get_by_label("Kind of credential").select_option("degree")
    page.get_by_label("Domain").select_option(label="Quantum mechanics")
    page.get_by_label("Title").fill("PhD in Theoretical Physics")
    page.get_by_label("Issuer").fill("University of Cambridge")
    page.locator('input[name="evidence"]').set_input_files(str(evidence))
    _shot(page, screenshot_dir, "4-credential-add")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Awaiting review").first).to_be_visible()
    credential = Credential.objects.get(expert__email="ada@physics.example.com")
    assert credential.status == Credential.Status.SUBMITTED

    # Platform staff approve it in the admin.
    staff = new_page()
    log_in(staff, base, superuser.email, next_path=f"/admin/accounts/credential/{credential.pk}/change/")
    expect(staff.get_by_text("PhD in Theoretical Physics").first).to_be_visible()
    staff.get_by_label("Approve and grant a qualification").check()
    staff.locator('select[name="level"]').select_option("2")
    _shot(staff, screenshot_dir, "5-admin-review")
    staff.get_by_role("button", name="Record the decision").click()
    expect(staff.locator(".messagelist")).to_contain_text("approved at the Professional level")

    # The expert sees the qualification and qualifies for work that needs it.
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_text("Quantum mechanics").first).to_be_visible()
    _shot(page, screenshot_dir, "6-dashboard-qualified")
    assert axe_violations(page) == []
    page.goto(f"{base}/eligibility/?domain=quantum-mechanics:2&language=en")
    expect(page.get_by_text("You are eligible.")).to_be_visible()
    _shot(page, screenshot_dir, "7-eligible")

    user = User.objects.get(email="ada@physics.example.com")
    assert Qualification.objects.current().filter(expert=user, level=2, domain__slug="quantum-mechanics").exists()
    assert ExpertProfile.objects.get(user=user).status == ExpertProfile.Status.ACTIVE
