import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from accounts.models import Domain, Exam, ExamAttempt, ExamQuestion, Qualification
from accounts.services import exams
from tests.factories import ExamFactory, UserFactory

Kind = ExamQuestion.Kind
Status = ExamAttempt.Status
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
QUEUE = reverse("admin:accounts_examattempt_changelist")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def essay_exam(**kwargs) -> tuple[Exam, ExamQuestion, ExamQuestion]:
    exam = ExamFactory(questions_per_attempt=2, pass_mark=60, qualification_valid_days=730, **kwargs)
    quiz = ExamQuestion.objects.create(
        exam=exam, kind=Kind.SINGLE, prompt="Which is heavier?", choices=["Feather", "Anvil"], correct=[1]
    )
    essay = ExamQuestion.objects.create(
        exam=exam,
        kind=Kind.FREE_TEXT,
        prompt="Why does the skater spin faster?",
        guidance="Angular momentum is conserved",
        points=4,
    )
    return exam, quiz, essay


def handed_in(expert, exam, quiz, essay, *, at=NOW) -> ExamAttempt:
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=at)
    exams.exam_attempt_submit(
        attempt=attempt, answers={str(quiz.pk): 1, str(essay.pk): "Because of <b>angular</b> momentum"}, now=at
    )
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def essay_setup(db):
    return essay_exam(slug="essays")


def test_the_queue_shows_attempts_awaiting_grading_oldest_first(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    newer = handed_in(UserFactory(), exam, quiz, essay, at=NOW + datetime.timedelta(hours=3))
    older = handed_in(UserFactory(), exam, quiz, essay, at=NOW)
    finished = exams.exam_attempt_start(expert=UserFactory(), exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=finished, answers={}, now=NOW)

    response = signed_in(superuser).get(QUEUE)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer]


def test_the_queue_filters_by_status_exam_and_domain(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    pending = handed_in(UserFactory(), exam, quiz, essay)
    law_exam, law_quiz, law_essay = essay_exam(slug="law-essays", domain=Domain.objects.get(slug="law"))
    law_pending = handed_in(UserFactory(), law_exam, law_quiz, law_essay)
    failed = exams.exam_attempt_start(expert=UserFactory(), exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=failed, answers={}, now=NOW)
    client = signed_in(superuser)

    def listed(**params):
        return set(client.get(QUEUE, params).context["cl"].result_list)

    assert listed(status="failed") == {failed}
    assert listed(status="all") == {pending, law_pending, failed}
    assert listed(exam__id__exact=law_exam.pk) == {law_pending}
    assert listed(exam__domain__id__exact=law_exam.domain_id) == {law_pending}


def test_the_grading_page_shows_each_answer_with_its_key_or_guidance(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(UserFactory(), exam, quiz, essay)

    response = signed_in(superuser).get(reverse("admin:accounts_examattempt_change", args=[attempt.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Because of &lt;b&gt;angular&lt;/b&gt; momentum" in page
    assert "Angular momentum is conserved" in page
    assert "Correct: “Anvil”" in page
    assert f'name="points_{essay.pk}"' in page
    assert 'name="note"' in page


def test_grading_in_the_admin_concludes_the_attempt_and_grants_the_qualification(
    superuser, essay_setup, django_capture_on_commit_callbacks
):
    exam, quiz, essay = essay_setup
    expert = UserFactory()
    attempt = handed_in(expert, exam, quiz, essay)
    url = reverse("admin:accounts_examattempt_change", args=[attempt.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(superuser).post(url, {f"points_{essay.pk}": "3", "note": "Good, but name the law."})

    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.graded_by, attempt.grader_note) == (
        Status.PASSED,
        superuser,
        "Good, but name the law.",
    )
    assert attempt.manual_points == {str(essay.pk): 3}
    assert Qualification.objects.get(expert=expert).exam_attempt == attempt
    assert LogEntry.objects.filter(object_id=str(attempt.pk), change_message__startswith="Graded").exists()


def test_points_out_of_range_are_refused_and_nothing_changes(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(UserFactory(), exam, quiz, essay)
    url = reverse("admin:accounts_examattempt_change", args=[attempt.pk])

    response = signed_in(superuser).post(url, {f"points_{essay.pk}": "9", "note": ""})

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 4." in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.manual_points, attempt.graded_by) == (Status.PENDING_GRADING, {}, None)


def test_a_grader_cannot_grade_their_own_attempt_in_the_admin(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(superuser, exam, quiz, essay)
    url = reverse("admin:accounts_examattempt_change", args=[attempt.pk])
    client = signed_in(superuser)

    page = client.get(url).content.decode()
    response = client.post(url, {f"points_{essay.pk}": "4", "note": ""})

    assert "This is your own attempt" in page
    assert f'name="points_{essay.pk}"' not in page
    assert response.status_code == 403
    attempt.refresh_from_db()
    assert (attempt.status, attempt.manual_points) == (Status.PENDING_GRADING, {})


def test_a_graded_attempt_is_read_only(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(UserFactory(), exam, quiz, essay)
    exams.exam_attempt_grade(attempt=attempt, points={str(essay.pk): 1}, note="Thin.", graded_by=superuser)
    url = reverse("admin:accounts_examattempt_change", args=[attempt.pk])
    client = signed_in(superuser)

    page = client.get(url).content.decode()
    response = client.post(url, {f"points_{essay.pk}": "4", "note": "Second thoughts"})

    assert "Points given: <strong>1 of 4</strong>" in page
    assert response.status_code == 403
    attempt.refresh_from_db()
    assert (attempt.manual_points, attempt.grader_note) == ({str(essay.pk): 1}, "Thin.")


def test_attempts_cannot_be_added_or_deleted_in_the_admin(superuser, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(UserFactory(), exam, quiz, essay)
    client = signed_in(superuser)

    assert client.get(reverse("admin:accounts_examattempt_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_examattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 403
    )
    assert ExamAttempt.objects.filter(pk=attempt.pk).exists()


def test_lab_staff_are_kept_out_of_exams_and_attempts(owner_a, essay_setup):
    exam, quiz, essay = essay_setup
    attempt = handed_in(UserFactory(), exam, quiz, essay)
    client = signed_in(owner_a.user)

    urls = [
        QUEUE,
        reverse("admin:accounts_examattempt_change", args=[attempt.pk]),
        reverse("admin:accounts_exam_changelist"),
        reverse("admin:accounts_exam_add"),
        reverse("admin:accounts_exam_change", args=[exam.pk]),
    ]
    responses = [client.get(url) for url in urls]
    posted = client.post(urls[1], {f"points_{essay.pk}": "4", "note": ""})

    assert [r.status_code for r in responses] == [403] * len(urls)
    assert posted.status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == Status.PENDING_GRADING


# --- the exam and its question bank -------------------------------------------------------------


def exam_form(**question) -> dict:
    data = {
        "domain": Domain.objects.get(slug="physics").pk,
        "title": "Optics",
        "slug": "optics",
        "description": "",
        "is_active": "on",
        "questions_per_attempt": "1",
        "time_limit_minutes": "20",
        "pass_mark": "70",
        "retake_cooldown_days": "14",
        "level_awarded": "2",
        "qualification_valid_days": "730",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-points": "1",
        "questions-0-is_active": "on",
        "questions-0-prompt": "Which colour bends most in glass?",
        "questions-0-guidance": "",
    }
    data.update({f"questions-0-{key}": value for key, value in question.items()})
    return data


def test_a_choice_question_is_saved_from_lines_and_numbers(superuser):
    response = signed_in(superuser).post(
        reverse("admin:accounts_exam_add"),
        exam_form(kind="single", options="Red\nViolet\n\nGreen", correct_options="2"),
    )

    assert response.status_code == 302
    question = ExamQuestion.objects.get(exam__slug="optics")
    assert (question.choices, question.correct) == (["Red", "Violet", "Green"], [1])


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        ({"kind": "single", "options": "Only one", "correct_options": "1"}, "options", "at least two options"),
        ({"kind": "single", "options": "Red\nViolet", "correct_options": "3"}, "correct_options", "no option 3"),
        ({"kind": "single", "options": "Red\nViolet", "correct_options": "1, 2"}, "correct_options", "exactly one"),
        ({"kind": "multiple", "options": "Red\nViolet", "correct_options": ""}, "correct_options", "at least one"),
        ({"kind": "multiple", "options": "Red\nRed", "correct_options": "1"}, "options", "repeated: Red"),
        ({"kind": "free_text", "options": "Red\nViolet", "guidance": "Dispersion"}, "options", "has no options"),
        ({"kind": "free_text", "options": ""}, "guidance", "Tell graders"),
    ],
)
def test_an_unsound_question_is_refused_with_the_reason(superuser, question, field, message):
    response = signed_in(superuser).post(reverse("admin:accounts_exam_add"), exam_form(**question))

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert message in " ".join(errors[field])
    assert not Exam.objects.filter(slug="optics").exists()


def test_a_seeded_exam_opens_in_the_admin_with_its_questions(superuser):
    exam = Exam.objects.get(slug="physics-professional")

    response = signed_in(superuser).get(reverse("admin:accounts_exam_change", args=[exam.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "kg·m²·s⁻²" in page
    assert signed_in(superuser).get(reverse("admin:accounts_exam_changelist")).status_code == 200
