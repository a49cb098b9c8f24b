import datetime

import pytest
from django.utils import timezone

from accounts.models import Credential, Domain, ExpertDomain, ExpertProfile, Level, Qualification
from tests.factories import (
    CredentialFactory,
    ExpertProfileFactory,
    MembershipFactory,
    QualificationFactory,
    UserFactory,
)


@pytest.fixture
def signed_in(client, expert):
    client.force_login(expert)
    return client


def _checklist(response) -> dict[str, bool]:
    return {item.key: item.done for item in response.context["checklist"]}


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_a_new_expert_sees_the_whole_checklist_to_do(signed_in, expert):
    response = signed_in.get("/dashboard/")

    page = response.content.decode()
    assert response.status_code == 200
    assert _checklist(response) == {
        "email": True,
        "profile": False,
        "domains": False,
        "terms": False,
        "proof": False,
    }
    assert page.count(">To do<") == 4 and page.count(">Done<") == 1
    assert 'href="/onboarding/profile/"' in page
    assert 'href="/onboarding/domains/"' in page
    assert 'href="/onboarding/terms/"' in page
    assert 'href="/credentials/"' in page
    assert '<span class="badge badge--onboarding">Onboarding</span>' in page


def test_showing_the_dashboard_writes_nothing(signed_in, expert):
    signed_in.get("/dashboard/")

    assert not ExpertProfile.objects.filter(user=expert).exists()


def test_an_onboarded_expert_sees_their_progress_and_status(signed_in, expert):
    ExpertProfileFactory(
        user=expert,
        ready=True,
        pseudonym="Expert-ABC234",
    )
    ExpertDomain.objects.create(expert=expert, domain=Domain.objects.get(slug="physics"), years_experience=9)
    QualificationFactory(expert=expert)

    response = signed_in.get("/dashboard/")

    page = response.content.decode()
    assert all(_checklist(response).values())
    assert '<span class="badge badge--active">Active</span>' in page
    assert "Expert-ABC234" in page
    assert "Your account is suspended" not in page


def test_a_suspended_expert_reads_the_reason_in_plain_words(signed_in, expert):
    ExpertProfileFactory(
        user=expert,
        status=ExpertProfile.Status.PAUSED,
        status_reason="Three answers were pasted from a chatbot <script>x()</script>",
        status_changed_at=timezone.now(),
    )

    page = signed_in.get("/dashboard/").content.decode()

    assert "Your account is suspended." in page
    assert "Three answers were pasted from a chatbot &lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()</script>" not in page
    assert '<span class="badge badge--paused">Suspended</span>' in page


def test_a_banned_expert_is_told_their_account_is_closed(signed_in, expert):
    ExpertProfileFactory(user=expert, status=ExpertProfile.Status.BANNED, status_reason="Held two accounts.")

    page = signed_in.get("/dashboard/").content.decode()

    assert "Your account is closed." in page and "Held two accounts." in page


def test_qualifications_show_domain_level_source_and_validity(signed_in, expert):
    QualificationFactory(
        expert=expert,
        domain=Domain.objects.get(slug="quantum-mechanics"),
        level=Level.EXPERT,
        source=Qualification.Source.STAFF,
        valid_until=datetime.date(2031, 6, 30),
    )
    QualificationFactory(expert=expert, domain=Domain.objects.get(slug="law"), level=Level.FOUNDATIONAL)
    QualificationFactory(
        expert=expert, domain=Domain.objects.get(slug="chemistry"), status=Qualification.Status.EXPIRED
    )

    response = signed_in.get("/dashboard/")

    page = response.content.decode()
    rows = [(str(q.domain), q.get_level_display()) for q in response.context["standing"].qualifications]
    assert rows == [("Law", "Foundational"), ("Physics / Quantum mechanics", "Expert")]
    assert "<td>Physics / Quantum mechanics</td>" in page
    assert "<td>Granted by staff</td>" in page
    assert "30 June 2031" in page and "No end date" in page
    assert "Chemistry" not in page.split("Your qualifications")[1].split("Credentials awaiting review")[0]


def test_pending_credentials_are_listed(signed_in, expert):
    CredentialFactory(expert=expert, title="MD, University of Lyon", kind=Credential.Kind.DEGREE)
    CredentialFactory(expert=expert, title="Old license", status=Credential.Status.REJECTED)

    page = signed_in.get("/dashboard/").content.decode()

    assert "MD, University of Lyon (degree, Physics)" in page
    assert "Old license" not in page


def test_another_experts_data_is_never_shown(signed_in, expert):
    other = UserFactory(email="other@example.com")
    ExpertProfileFactory(
        user=other, pseudonym="Expert-OTHER2", status=ExpertProfile.Status.PAUSED, status_reason="Other's reason"
    )
    QualificationFactory(expert=other, domain=Domain.objects.get(slug="oncology"))
    CredentialFactory(expert=other, title="Someone else's diploma")

    response = signed_in.get("/dashboard/")

    page = response.content.decode()
    assert "Expert-OTHER2" not in page and "Other&#x27;s reason" not in page
    assert "Oncology" not in page and "Someone else" not in page
    assert response.context["standing"].qualifications == []


def test_lab_members_get_a_box_linking_to_the_lab_admin(signed_in, expert, org_a):
    MembershipFactory(organization=org_a, user=expert, role="reviewer")

    page = signed_in.get("/dashboard/").content.decode()

    assert "Your labs" in page
    assert "<strong>Lab A</strong> (reviewer)" in page
    assert 'href="/admin/">Open the lab admin</a>' in page


def test_experts_without_a_lab_get_no_lab_box(signed_in):
    page = signed_in.get("/dashboard/").content.decode()

    assert "Your labs" not in page and "Open the lab admin" not in page


def test_the_dashboard_links_to_the_eligibility_check(signed_in):
    page = signed_in.get("/dashboard/").content.decode()

    assert 'href="/eligibility/"' in page
