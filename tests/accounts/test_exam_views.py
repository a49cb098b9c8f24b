import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Exam, ExamAttempt, ExamQuestion
from accounts.services import exams
from tests.factories import ExamFactory, UserFactory

Kind = ExamQuestion.Kind
Status = ExamAttempt.Status


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def quiz(db) -> Exam:
    """Two single-choice questions whose right options have words that appear nowhere else."""
    exam = ExamFactory(title="Quiz of the week", slug="quiz", questions_per_attempt=2, retake_cooldown_days=14)
    ExamQuestion.objects.create(
        exam=exam, kind=Kind.SINGLE, prompt="Which animal is striped?", choices=["Heron", "Zebra"], correct=[1]
    )
    ExamQuestion.objects.create(
        exam=exam, kind=Kind.SINGLE, prompt="Which metal is liquid?", choices=["Mercury", "Iron"], correct=[0]
    )
    return exam


def field(question: ExamQuestion) -> str:
    return f"question_{question.pk}"


def test_pages_need_a_signed_in_user(db):
    response = Client().get(reverse("exam_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_groups_open_exams_by_domain_with_their_rules_and_standing(expert, client_for):
    ExamFactory(title="Retired exam", slug="retired", is_active=False)

    response = client_for(expert).get(reverse("exam_list"))

    page = response.content.decode()
    assert response.status_code == 200
    for heading in ("Physics", "Mathematics", "Law", "Medicine"):
        assert f">{heading}</h2>" in page
    assert "Physics: professional qualification" in page
    assert "30 minutes" in page and "70%" in page
    assert "Not taken yet" in page
    assert "Retired exam" not in page


def test_the_list_says_when_a_failed_exam_can_be_retried(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    exams.exam_attempt_submit(attempt=attempt, answers={})
    retry_on = timezone.localdate() + datetime.timedelta(days=14)

    page = client_for(expert).get(reverse("exam_list")).content.decode()

    assert "Not passed" in page
    assert f"You can retry from {retry_on:%-d %b %Y}" in page


def test_the_list_says_until_when_a_pass_qualifies(expert, client_for, quiz):
    quiz.qualification_valid_days = 730
    quiz.save()
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    exams.exam_attempt_submit(attempt=attempt, answers={str(q.pk): q.correct[0] for q in quiz.questions.all()})
    valid_until = timezone.localdate() + datetime.timedelta(days=730)

    page = client_for(expert).get(reverse("exam_list")).content.decode()

    assert "Passed" in page
    assert f"Qualification valid until {valid_until:%-d %b %Y}" in page


def test_the_list_offers_to_resume_an_open_attempt(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)

    page = client_for(expert).get(reverse("exam_list")).content.decode()

    assert "In progress" in page
    assert reverse("exam_attempt", args=[attempt.pk]) in page


def test_the_detail_page_explains_the_rules_and_offers_start(expert, client_for, quiz):
    response = client_for(expert).get(reverse("exam_detail", args=[quiz.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "no partial credit" in page
    assert "within 30 seconds after the deadline" in page
    assert f'action="{reverse("exam_start", args=[quiz.slug])}"' in page
    assert "Start the exam" in page


def test_an_inactive_exam_is_not_found(expert, client_for):
    exam = ExamFactory(is_active=False)

    response = client_for(expert).get(reverse("exam_detail", args=[exam.slug]))

    assert response.status_code == 404


def test_start_opens_an_attempt_and_shows_it(expert, client_for, quiz):
    response = client_for(expert).post(reverse("exam_start", args=[quiz.slug]))

    attempt = ExamAttempt.objects.get(expert=expert, exam=quiz)
    assert response.status_code == 302
    assert response["Location"] == reverse("exam_attempt", args=[attempt.pk])


def test_start_needs_post_and_a_csrf_token(expert, quiz):
    client = Client(enforce_csrf_checks=True)
    client.force_login(expert)

    assert client.get(reverse("exam_start", args=[quiz.slug])).status_code == 405
    assert client.post(reverse("exam_start", args=[quiz.slug])).status_code == 403
    assert not ExamAttempt.objects.exists()


def test_a_refused_start_says_why_and_creates_nothing(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    exams.exam_attempt_submit(attempt=attempt, answers={})
    client = client_for(expert)

    response = client.post(reverse("exam_start", args=[quiz.slug]), follow=True)

    assert "you can retry from" in response.content.decode()
    assert ExamAttempt.objects.filter(expert=expert).count() == 1


def test_the_attempt_page_shows_the_drawn_questions_and_the_time_left(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)

    response = client_for(expert).get(reverse("exam_attempt", args=[attempt.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('type="radio"') == 4
    assert "Which animal is striped?" in page and "Which metal is liquid?" in page
    assert "Time left" in page and 'data-seconds="' in page
    assert 'name="save"' in page and 'name="submit"' in page
    assert "csrfmiddlewaretoken" in page
    assert "js/exam-countdown.js" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_attempt_page_escapes_question_text(expert, client_for):
    exam = ExamFactory(questions_per_attempt=1)
    ExamQuestion.objects.create(
        exam=exam, kind=Kind.SINGLE, prompt="<script>alert(1)</script>", choices=["<b>a</b>", "b"], correct=[0]
    )
    attempt = exams.exam_attempt_start(expert=expert, exam=exam)

    page = client_for(expert).get(reverse("exam_attempt", args=[attempt.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>a</b>" not in page


def test_save_progress_keeps_the_answers_and_the_attempt_open(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    striped = quiz.questions.get(prompt__contains="striped")
    client = client_for(expert)

    response = client.post(reverse("exam_attempt", args=[attempt.pk]), {field(striped): "1", "save": "1"})

    attempt.refresh_from_db()
    assert response.status_code == 302
    assert attempt.answers == {str(striped.pk): 1}
    assert attempt.status == Status.IN_PROGRESS
    page = client.get(reverse("exam_attempt", args=[attempt.pk])).content.decode()
    assert f'value="1" id="id_{field(striped)}_1" checked' in page


def test_submit_marks_the_attempt_and_shows_the_result(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    answers = {field(q): str(q.correct[0]) for q in quiz.questions.all()}

    response = client_for(expert).post(
        reverse("exam_attempt", args=[attempt.pk]), {**answers, "submit": "1"}, follow=True
    )

    attempt.refresh_from_db()
    assert attempt.status == Status.PASSED
    assert response.redirect_chain[-1][0] == reverse("exam_attempt_result", args=[attempt.pk])
    assert "You passed" in response.content.decode()


def test_an_invalid_answer_is_shown_on_its_question_and_nothing_is_saved(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    striped = quiz.questions.get(prompt__contains="striped")

    response = client_for(expert).post(reverse("exam_attempt", args=[attempt.pk]), {field(striped): "7", "submit": "1"})

    assert response.status_code == 400
    assert "Choose one of the 2 options." in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.answers) == (Status.IN_PROGRESS, {})


def test_a_submission_after_the_time_limit_keeps_only_saved_answers(expert, client_for, quiz):
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz, now=long_ago)
    striped = quiz.questions.get(prompt__contains="striped")
    exams.exam_attempt_save_answers(attempt=attempt, answers={str(striped.pk): 1}, now=long_ago)
    everything_right = {field(q): str(q.correct[0]) for q in quiz.questions.all()}

    client_for(expert).post(reverse("exam_attempt", args=[attempt.pk]), {**everything_right, "submit": "1"})

    attempt.refresh_from_db()
    assert (attempt.status, attempt.late, attempt.answers) == (Status.FAILED, True, {str(striped.pk): 1})
    assert attempt.score_percent == 50


def test_another_experts_attempt_is_not_found(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    intruder = client_for(UserFactory(email="intruder@example.com"))

    responses = [
        intruder.get(reverse("exam_attempt", args=[attempt.pk])),
        intruder.post(reverse("exam_attempt", args=[attempt.pk]), {"submit": "1"}),
        intruder.get(reverse("exam_attempt_result", args=[attempt.pk])),
        intruder.get(reverse("exam_attempt", args=[attempt.pk + 1000])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    attempt.refresh_from_db()
    assert attempt.status == Status.IN_PROGRESS


def test_the_result_shows_right_and_wrong_without_revealing_the_answers(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)
    striped = quiz.questions.get(prompt__contains="striped")
    metal = quiz.questions.get(prompt__contains="metal")
    exams.exam_attempt_submit(attempt=attempt, answers={str(striped.pk): 0, str(metal.pk): 1})

    response = client_for(expert).get(reverse("exam_attempt_result", args=[attempt.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "You did not pass this time" in page
    assert page.count("Not correct: 0 points") == 2
    assert "Zebra" not in page and "Mercury" not in page  # the right options are never shown
    assert "“Heron”" in page and "“Iron”" in page  # the expert's own choices are


def test_the_result_of_an_open_attempt_sends_back_to_the_attempt(expert, client_for, quiz):
    attempt = exams.exam_attempt_start(expert=expert, exam=quiz)

    response = client_for(expert).get(reverse("exam_attempt_result", args=[attempt.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("exam_attempt", args=[attempt.pk])


def test_a_written_answer_is_shown_awaiting_grading(expert, client_for):
    exam = ExamFactory(questions_per_attempt=1)
    essay = ExamQuestion.objects.create(exam=exam, kind=Kind.FREE_TEXT, prompt="Explain", guidance="Secret rubric")
    attempt = exams.exam_attempt_start(expert=expert, exam=exam)
    client = client_for(expert)
    client.post(reverse("exam_attempt", args=[attempt.pk]), {field(essay): "My <i>answer</i>", "submit": "1"})

    page = client.get(reverse("exam_attempt_result", args=[attempt.pk])).content.decode()

    assert "Awaiting grading" in page
    assert "My &lt;i&gt;answer&lt;/i&gt;" in page
    assert "Secret rubric" not in page
