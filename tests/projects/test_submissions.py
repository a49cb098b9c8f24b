import datetime

import pytest
from django.utils import timezone

from marketplace.errors import NotFound, ValidationFailed
from projects.models import Assignment, Submission
from projects.services.claims import LeaseEnded, task_claim_next
from projects.services.submissions import submission_submit
from tests.factories import ExpertProfileFactory, ProjectFactory, TaskFactory

ANSWER = {"answer": "Rayleigh scattering: shorter wavelengths scatter more."}


@pytest.fixture
def lease(db):
    project = ProjectFactory(lease_minutes=30)
    TaskFactory(project=project)
    expert = ExpertProfileFactory(ready=True).user
    return task_claim_next(expert=expert, project=project)


def test_a_valid_submission_is_stored_and_ends_the_lease(lease):
    submission = submission_submit(
        assignment_id=lease.pk,
        expert=lease.expert,
        answers=ANSWER,
        active_seconds=0,
        telemetry={"typed_chars": 54, "pasted_chars": 0, "focus_losses": 1},
    )

    lease.refresh_from_db()
    assert submission.answers == ANSWER
    assert submission.version == lease.project.current_version
    assert submission.telemetry == {"typed_chars": 54, "pasted_chars": 0, "focus_losses": 1}
    assert (submission.organization_id, submission.task_id) == (lease.organization_id, lease.task_id)
    assert lease.status == Assignment.Status.SUBMITTED
    lease.task.refresh_from_db()
    assert lease.task.remaining == 0  # the slot passed from the lease to the response


def test_invalid_answers_say_which_question_and_store_nothing(lease):
    with pytest.raises(ValidationFailed) as raised:
        submission_submit(assignment_id=lease.pk, expert=lease.expert, answers={"answer": ""}, active_seconds=10)

    assert "answer" in raised.value.details
    assert not Submission.objects.exists()
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LIVE


def test_a_submission_on_an_expired_lease_is_refused_and_stored_nowhere(lease):
    later = lease.expires_at + datetime.timedelta(seconds=1)

    with pytest.raises(LeaseEnded, match="expired"):
        submission_submit(assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=5, now=later)

    assert not Submission.objects.exists()


def test_a_submission_on_someone_elses_lease_is_not_found(lease):
    other = ExpertProfileFactory(ready=True).user

    with pytest.raises(NotFound):
        submission_submit(assignment_id=lease.pk, expert=other, answers=ANSWER, active_seconds=5)

    assert not Submission.objects.exists()


def test_a_task_is_submitted_once(lease):
    submission_submit(assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=5)

    with pytest.raises(LeaseEnded, match="already submitted"):
        submission_submit(assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=5)

    assert Submission.objects.count() == 1


def test_active_time_cannot_exceed_the_lease_age(lease):
    now = lease.claimed_at + datetime.timedelta(minutes=5)

    submission = submission_submit(
        assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=3600, now=now
    )

    assert submission.active_seconds == 300
    assert submission.telemetry["active_seconds_reported"] == 3600


@pytest.mark.parametrize("telemetry", [{"keystrokes": 3}, {"typed_chars": -1}, {"focus_losses": "2"}, ["x"]])
def test_bad_telemetry_is_refused(lease, telemetry):
    with pytest.raises(ValidationFailed):
        submission_submit(
            assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=1, telemetry=telemetry
        )

    assert not Submission.objects.exists()


def test_a_submit_is_at_most_ten_statements(lease, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        submission_submit(
            assignment_id=lease.pk, expert=lease.expert, answers=ANSWER, active_seconds=4, now=timezone.now()
        )
