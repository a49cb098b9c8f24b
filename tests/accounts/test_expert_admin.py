import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail

from accounts.models import Domain, ExpertDomain, ExpertProfile
from accounts.services.experts import expert_reinstate, expert_suspend
from marketplace.errors import Conflict, ValidationFailed
from tests.factories import ExpertProfileFactory, QualificationFactory, UserFactory

NO_SUB_DOMAINS = {"children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0"}
REASON = "Submitted answers copied from a chatbot in project Q-17."


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def profile(expert):
    return ExpertProfileFactory(
        user=expert,
        pseudonym="Expert-ADM234",
        ready=True,
    )


def _onboarded(profile) -> None:
    ExpertDomain.objects.create(expert=profile.user, domain=Domain.objects.get(slug="physics"), years_experience=7)
    QualificationFactory(expert=profile.user)


def _status(profile) -> tuple[str, str]:
    profile.refresh_from_db()
    return profile.status, profile.status_reason


# --- suspend and reinstate from the change page ----------------------------------------------------


def test_change_page_offers_suspend_for_an_active_expert(staff_client, profile):
    ExpertDomain.objects.create(expert=profile.user, domain=Domain.objects.get(slug="poetry"), years_experience=4)

    page = staff_client.get(f"/admin/accounts/expertprofile/{profile.pk}/change/").content.decode()

    assert f'href="/admin/accounts/expertprofile/{profile.pk}/suspend/">Suspend</a>' in page
    assert "/reinstate/" not in page
    assert "<td>Creative writing / Poetry</td><td>4</td>" in page
    assert "English, French" in page
    assert f"/admin/accounts/credential/?expert__id__exact={profile.user_id}&amp;status=all" in page
    assert f"/admin/accounts/qualification/?expert__id__exact={profile.user_id}" in page
    assert 'name="_save"' not in page


def test_suspending_asks_for_a_reason_first(staff_client, profile):
    response = staff_client.get(f"/admin/accounts/expertprofile/{profile.pk}/suspend/")

    assert response.status_code == 200
    assert "Expert-ADM234" in response.content.decode()
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


def test_suspending_without_a_reason_changes_nothing(staff_client, profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/accounts/expertprofile/{profile.pk}/suspend/", {"reason": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")
    assert mail.outbox == []


def test_staff_suspend_an_expert_with_a_reason_the_expert_is_emailed(
    staff_client, superuser, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/accounts/expertprofile/{profile.pk}/suspend/", {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/accounts/expertprofile/{profile.pk}/change/"
    assert _status(profile) == (ExpertProfile.Status.PAUSED, REASON)
    assert profile.status_changed_by == superuser and profile.status_changed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["expert@example.com"]
    assert "suspended" in message.subject
    assert REASON in message.body
    assert REASON in message.alternatives[0][0]
    assert LogEntry.objects.filter(object_id=str(profile.pk), change_message__contains=REASON).exists()


def test_a_suspended_expert_sees_the_reason_and_is_eligible_for_nothing(staff_client, client, profile):
    staff_client.post(f"/admin/accounts/expertprofile/{profile.pk}/suspend/", {"reason": REASON})
    client.force_login(profile.user)

    dashboard = client.get("/dashboard/").content.decode()
    eligibility = client.get("/eligibility/").content.decode()

    assert "Your account is suspended." in dashboard and REASON in dashboard
    assert f"Your account is suspended: {REASON}" in eligibility


def test_reinstating_an_onboarded_expert_makes_them_active_again(
    staff_client, profile, django_capture_on_commit_callbacks
):
    _onboarded(profile)
    expert_suspend(user=profile.user, reason=REASON, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/accounts/expertprofile/{profile.pk}/reinstate/", {"reason": "Appeal upheld."}
        )

    assert response.status_code == 302
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "Appeal upheld.")
    assert [m.subject for m in mail.outbox] == ["[Assay] Your Assay expert account is open again"]
    assert "Appeal upheld." in mail.outbox[0].body


def test_reinstating_an_expert_with_onboarding_left_returns_them_to_onboarding(staff_client, profile):
    expert_suspend(user=profile.user, reason=REASON, by=None)

    staff_client.post(f"/admin/accounts/expertprofile/{profile.pk}/reinstate/", {"reason": "Appeal upheld."})

    assert _status(profile)[0] == ExpertProfile.Status.ONBOARDING


def test_reinstating_an_expert_who_is_not_suspended_changes_nothing(
    staff_client, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/accounts/expertprofile/{profile.pk}/reinstate/", {"reason": "Appeal upheld."}, follow=True
        )

    assert "Expert-ADM234 is not suspended (active)." in response.content.decode()
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")
    assert mail.outbox == []


# --- suspend and reinstate as bulk actions ----------------------------------------------------------


def test_bulk_suspend_shows_the_reason_page_then_suspends_each_expert(
    staff_client, profile, django_capture_on_commit_callbacks
):
    second = ExpertProfileFactory(user=UserFactory(email="second@example.com"), status=ExpertProfile.Status.ACTIVE)
    selected = {"action": "suspend_selected", "_selected_action": [profile.pk, second.pk]}

    intermediate = staff_client.post("/admin/accounts/expertprofile/", selected)
    with django_capture_on_commit_callbacks(execute=True):
        applied = staff_client.post("/admin/accounts/expertprofile/", {**selected, "apply": "1", "reason": REASON})

    assert intermediate.status_code == 200
    assert 'name="reason"' in intermediate.content.decode()
    assert applied.status_code == 302
    assert _status(profile) == (ExpertProfile.Status.PAUSED, REASON)
    assert _status(second) == (ExpertProfile.Status.PAUSED, REASON)
    assert sorted(m.to[0] for m in mail.outbox) == ["expert@example.com", "second@example.com"]


def test_bulk_suspend_without_a_reason_changes_nothing(staff_client, profile):
    selected = {"action": "suspend_selected", "_selected_action": [profile.pk], "apply": "1", "reason": ""}

    response = staff_client.post("/admin/accounts/expertprofile/", selected)

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


def test_bulk_reinstate_reports_experts_who_were_not_suspended(staff_client, profile):
    other = ExpertProfileFactory(user=UserFactory(email="paused@example.com"), pseudonym="Expert-PAU234")
    expert_suspend(user=other.user, reason=REASON, by=None)
    selected = {"action": "reinstate_selected", "_selected_action": [profile.pk, other.pk], "apply": "1"}

    response = staff_client.post("/admin/accounts/expertprofile/", {**selected, "reason": "Cleared."}, follow=True)

    page = response.content.decode()
    assert "Expert-PAU234 reinstated" in page
    assert "Expert-ADM234 is not suspended" in page
    assert _status(other)[0] == ExpertProfile.Status.ONBOARDING
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


# --- the services on their own ----------------------------------------------------------------------


def test_suspending_twice_is_refused(profile):
    expert_suspend(user=profile.user, reason=REASON, by=None)

    with pytest.raises(Conflict, match="already suspended"):
        expert_suspend(user=profile.user, reason="Again", by=None)

    assert _status(profile) == (ExpertProfile.Status.PAUSED, REASON)


def test_a_blank_reason_is_refused(profile):
    with pytest.raises(ValidationFailed, match="Give a reason"):
        expert_suspend(user=profile.user, reason=" \n ", by=None)
    with pytest.raises(ValidationFailed, match="Give a reason"):
        expert_reinstate(user=profile.user, reason="", by=None)

    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_pseudonym_email_country_and_status_and_searches(staff_client, profile):
    ExpertProfileFactory(user=UserFactory(email="someone@else.example"), pseudonym="Expert-ZZZ999")

    listing = staff_client.get("/admin/accounts/expertprofile/").content.decode()
    found = staff_client.get("/admin/accounts/expertprofile/?q=expert@example.com")

    assert "Expert-ADM234" in listing and "expert@example.com" in listing and "France" in listing
    assert [p.pseudonym for p in found.context["cl"].result_list] == ["Expert-ADM234"]


@pytest.mark.parametrize("query", ["status__exact=paused", "country=FR", "education__exact=doctorate"])
def test_list_filters_by_status_country_and_education(staff_client, profile, query):
    expert_suspend(user=profile.user, reason=REASON, by=None)

    response = staff_client.get(f"/admin/accounts/expertprofile/?{query}")

    assert [p.pk for p in response.context["cl"].result_list] == [profile.pk]


def test_profiles_cannot_be_added_edited_or_deleted_here(staff_client, profile):
    assert staff_client.get("/admin/accounts/expertprofile/add/").status_code == 403
    assert staff_client.get(f"/admin/accounts/expertprofile/{profile.pk}/delete/").status_code == 403
    edit = staff_client.post(f"/admin/accounts/expertprofile/{profile.pk}/change/", {"status": "banned"})
    assert edit.status_code == 405
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


# --- lab staff are kept out -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/expertprofile/",
        "/admin/accounts/expertprofile/{pk}/change/",
        "/admin/accounts/expertprofile/{pk}/suspend/",
        "/admin/accounts/expertprofile/{pk}/reinstate/",
        "/admin/accounts/domain/",
        "/admin/accounts/domain/add/",
    ],
)
def test_lab_staff_are_refused_the_expert_admins(client, owner_a, profile, url):
    client.force_login(owner_a.user)

    response = client.get(url.format(pk=profile.pk))

    assert response.status_code == 403


def test_lab_staff_cannot_suspend_by_posting(client, owner_a, profile):
    client.force_login(owner_a.user)

    by_page = client.post(f"/admin/accounts/expertprofile/{profile.pk}/suspend/", {"reason": REASON})
    by_action = client.post(
        "/admin/accounts/expertprofile/",
        {"action": "suspend_selected", "_selected_action": [profile.pk], "apply": "1", "reason": REASON},
    )

    assert (by_page.status_code, by_action.status_code) == (403, 403)
    assert _status(profile) == (ExpertProfile.Status.ACTIVE, "")


def test_lab_staff_do_not_see_the_expert_admins_in_the_index(client, owner_a):
    client.force_login(owner_a.user)

    response = client.get("/admin/")

    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert "ExpertProfile" not in models and "Domain" not in models


# --- the taxonomy ----------------------------------------------------------------------------------


def test_domain_list_is_a_tree(staff_client):
    response = staff_client.get("/admin/accounts/domain/?q=physics")

    names = [str(d) for d in response.context["cl"].result_list]
    assert names[0] == "Physics"
    assert names[1:] == sorted(names[1:], key=str.lower)
    assert "Physics / Quantum mechanics" in names


@pytest.mark.parametrize("order", ["1", "-1", "3", "-3"])
def test_domain_list_sorts_by_its_columns(staff_client, order):
    response = staff_client.get(f"/admin/accounts/domain/?o={order}")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == Domain.objects.count()


def test_staff_add_a_sub_domain(staff_client):
    physics = Domain.objects.get(slug="physics")

    form = staff_client.get(f"/admin/accounts/domain/add/?parent={physics.pk}")
    response = staff_client.post(
        "/admin/accounts/domain/add/",
        {"name": "Plasma physics", "slug": "plasma-physics", "parent": physics.pk, **NO_SUB_DOMAINS},
    )

    assert form.context["adminform"].form.initial["parent"] == str(physics.pk)
    assert response.status_code == 302
    assert Domain.objects.get(slug="plasma-physics").parent == physics


def test_a_domain_slug_cannot_change_once_created(staff_client):
    domain = Domain.objects.get(slug="poetry")

    staff_client.post(
        f"/admin/accounts/domain/{domain.pk}/change/",
        {
            "name": "Poetry and verse",
            "slug": "verse",
            "parent": domain.parent_id,
            "description": "",
            **NO_SUB_DOMAINS,
        },
    )

    domain.refresh_from_db()
    assert (domain.slug, domain.name) == ("poetry", "Poetry and verse")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Quantum mechanics", "slug": "qm-again", "parent": "physics"}, "already a domain called"),
        ({"name": "New field", "slug": "physics", "parent": ""}, "is taken"),
        ({"name": "New field", "slug": "Not A Slug", "parent": ""}, "Enter a valid"),
    ],
    ids=["duplicate-name-in-parent", "taken-slug", "bad-slug"],
)
def test_bad_domains_are_refused(staff_client, data, message):
    before = Domain.objects.count()
    parent = Domain.objects.get(slug=data["parent"]).pk if data["parent"] else ""

    response = staff_client.post("/admin/accounts/domain/add/", {**data, "parent": parent, **NO_SUB_DOMAINS})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Domain.objects.count() == before


def test_a_domain_cannot_move_under_its_own_sub_domain(staff_client):
    physics = Domain.objects.get(slug="physics")
    quantum = Domain.objects.get(slug="quantum-mechanics")

    response = staff_client.post(
        f"/admin/accounts/domain/{physics.pk}/change/",
        {
            "name": "Physics",
            "parent": quantum.pk,
            "description": "",
            **NO_SUB_DOMAINS,
        },
    )

    assert response.status_code == 200
    assert "one of its sub-domains" in response.content.decode()
    physics.refresh_from_db()
    assert physics.parent is None


def test_domains_cannot_be_deleted(staff_client):
    domain = Domain.objects.get(slug="poetry")

    response = staff_client.post(f"/admin/accounts/domain/{domain.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Domain.objects.filter(slug="poetry").exists()


def test_staff_rename_a_domain_from_its_change_page_with_its_sub_domains_listed(staff_client):
    physics = Domain.objects.get(slug="physics")
    page = staff_client.get(f"/admin/accounts/domain/{physics.pk}/change/")
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        "name": "Physics and astronomy",
        "parent": "",
        "description": "",
        **{f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()},
    }
    for form in formset.forms:
        data[f"{form.prefix}-id"] = form.instance.pk
        data[f"{form.prefix}-parent"] = physics.pk

    response = staff_client.post(f"/admin/accounts/domain/{physics.pk}/change/", data)

    assert "Quantum mechanics" in page.content.decode()
    assert response.status_code == 302
    physics.refresh_from_db()
    assert (physics.name, physics.slug, physics.children.count()) == ("Physics and astronomy", "physics", 5)
