import datetime
import itertools
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts import exam_bank
from accounts.models import Domain, Exam, ExamAttempt, ExamQuestion, ExpertProfile, Level, Qualification
from accounts.services import exams
from marketplace.errors import Conflict, Forbidden, ValidationFailed
from tests.concurrency import run_concurrently
from tests.factories import ExamFactory, ExpertProfileFactory, QualificationFactory, UserFactory

NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
Kind = ExamQuestion.Kind
Status = ExamAttempt.Status


def single(exam: Exam, *, correct: int = 1, points: int = 1, active: bool = True) -> ExamQuestion:
    return ExamQuestion.objects.create(
        exam=exam,
        kind=Kind.SINGLE,
        prompt="Pick the right one",
        choices=["alpha", "beta", "gamma"],
        correct=[correct],
        points=points,
        is_active=active,
    )


def multiple(exam: Exam, *, correct: list[int], points: int = 2) -> ExamQuestion:
    return ExamQuestion.objects.create(
        exam=exam,
        kind=Kind.MULTIPLE,
        prompt="Pick every right one",
        choices=["one", "two", "three", "four"],
        correct=correct,
        points=points,
    )


def free_text(exam: Exam, *, points: int = 4) -> ExamQuestion:
    return ExamQuestion.objects.create(
        exam=exam, kind=Kind.FREE_TEXT, prompt="Explain", guidance="Mentions the key idea", points=points
    )


def exam_with(*, singles: int = 3, free: int = 0, draw: int | None = None, **kwargs) -> Exam:
    exam = ExamFactory(questions_per_attempt=draw or singles + free, **kwargs)
    for _ in range(singles):
        single(exam)
    for _ in range(free):
        free_text(exam)
    return exam


def all_right(attempt: ExamAttempt) -> dict[str, object]:
    answers = {}
    for question in ExamQuestion.objects.filter(pk__in=attempt.question_ids):
        if question.kind == Kind.SINGLE:
            answers[str(question.pk)] = question.correct[0]
        elif question.kind == Kind.MULTIPLE:
            answers[str(question.pk)] = list(question.correct)
        else:
            answers[str(question.pk)] = "A careful written answer."
    return answers


@pytest.fixture
def staff(db):
    return UserFactory(email="grader@example.com", is_staff=True)


# --- starting and drawing -----------------------------------------------------------------------


def test_start_draws_the_exam_size_from_active_questions_and_sets_the_deadline(expert):
    exam = exam_with(singles=6, draw=4, time_limit_minutes=25)
    retired = single(exam, active=False)

    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    assert attempt.status == Status.IN_PROGRESS
    assert len(attempt.question_ids) == len(set(attempt.question_ids)) == 4
    assert retired.pk not in attempt.question_ids
    assert set(attempt.question_ids) <= set(exam.questions.filter(is_active=True).values_list("pk", flat=True))
    assert attempt.started_at == NOW
    assert attempt.deadline_at == NOW + datetime.timedelta(minutes=25)


def test_consecutive_attempts_never_draw_the_same_questions(expert, staff):
    exam = exam_with(singles=4, free=1, draw=4, retake_cooldown_days=0)  # a bank one larger than the draw
    previous = None

    for round_ in range(30):
        attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(hours=round_))
        drawn = set(attempt.question_ids)
        assert len(drawn) == 4
        assert drawn != previous, f"attempt {round_ + 1} repeated the previous set"
        assert exam.questions.filter(pk__in=drawn, kind=Kind.FREE_TEXT).exists()
        exams.exam_attempt_submit(attempt=attempt, answers={}, now=attempt.started_at + datetime.timedelta(minutes=1))
        previous = drawn

    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 30


def test_a_one_question_draw_still_differs_from_the_last_attempt(expert):
    exam = ExamFactory(questions_per_attempt=1, retake_cooldown_days=0)
    essay, quiz = free_text(exam), single(exam)
    drawn = []

    for round_ in range(6):
        attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(hours=round_))
        drawn.append(attempt.question_ids)
        exams.exam_attempt_submit(attempt=attempt, answers={}, now=attempt.started_at)

    assert all(a != b for a, b in itertools.pairwise(drawn))
    assert {tuple(d) for d in drawn} == {(essay.pk,), (quiz.pk,)}


def test_the_draw_prefers_questions_not_shown_last_time(expert):
    exam = exam_with(singles=8, draw=4, retake_cooldown_days=0)

    first = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=first, answers={}, now=NOW)
    second = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(hours=1))

    assert set(first.question_ids).isdisjoint(second.question_ids)


def test_starting_twice_returns_the_attempt_already_open(expert):
    exam = exam_with(singles=5, draw=3)
    first = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    again = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(minutes=5))

    assert again.pk == first.pk
    assert again.question_ids == first.question_ids
    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 1


def test_starting_after_time_ran_out_closes_the_open_attempt_on_what_it_saved(expert):
    exam = exam_with(singles=3, draw=3, time_limit_minutes=10)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_save_answers(
        attempt=attempt, answers=all_right(attempt), now=NOW + datetime.timedelta(minutes=2)
    )

    with pytest.raises(Conflict, match="You passed this exam"):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(hours=2))

    attempt.refresh_from_db()
    assert (attempt.status, attempt.late, attempt.score_percent) == (Status.PASSED, True, 100)
    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 1


def test_a_retake_within_the_cooldown_is_refused_with_the_date_it_opens(expert):
    exam = exam_with(singles=4, draw=3, retake_cooldown_days=14)
    failed = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=failed, answers={}, now=NOW + datetime.timedelta(minutes=3))

    with pytest.raises(Conflict) as refused:
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(days=13, hours=14))

    assert "you can retry from 16 November 2026" in refused.value.message
    assert refused.value.details == {"retry_on": ["2026-11-16"]}
    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 1


def test_a_retake_opens_on_the_retry_date(expert):
    exam = exam_with(singles=4, draw=3, retake_cooldown_days=14)
    failed = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=failed, answers={}, now=NOW)

    retake = exams.exam_attempt_start(
        expert=expert, exam=exam, now=datetime.datetime(2026, 11, 16, tzinfo=datetime.UTC)
    )

    assert retake.pk != failed.pk
    assert retake.status == Status.IN_PROGRESS


def test_holding_a_current_qualification_from_the_exam_refuses_a_retake(expert):
    exam = exam_with(singles=3, draw=3, qualification_valid_days=730)
    passed = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=passed, answers=all_right(passed), now=NOW)
    until = timezone.localdate() + datetime.timedelta(days=730)

    with pytest.raises(
        Conflict, match=f"You passed this exam and your qualification is valid until {until.day} {until:%B %Y}"
    ):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(days=30))

    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 1


def test_a_retake_is_allowed_once_the_qualification_has_ended(expert):
    exam = exam_with(singles=3, draw=3)
    passed = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=passed, answers=all_right(passed), now=NOW)
    Qualification.objects.filter(exam_attempt=passed).update(status=Qualification.Status.EXPIRED)

    retake = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(days=800))

    assert retake.status == Status.IN_PROGRESS


@pytest.mark.parametrize("status", [ExpertProfile.Status.PAUSED, ExpertProfile.Status.BANNED])
def test_a_suspended_or_banned_expert_cannot_start(expert, status):
    ExpertProfileFactory(user=expert, status=status, status_reason="Copied answers")
    exam = exam_with(singles=3, draw=3)

    with pytest.raises(Forbidden, match="Copied answers"):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    assert not ExamAttempt.objects.exists()


def test_an_inactive_exam_cannot_be_started(expert):
    exam = exam_with(singles=3, draw=3, is_active=False)

    with pytest.raises(Conflict, match="closed"):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    assert not ExamAttempt.objects.exists()


def test_an_exam_short_of_active_questions_cannot_be_started(expert):
    exam = exam_with(singles=2, draw=3)

    with pytest.raises(Conflict, match="being revised"):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    assert not ExamAttempt.objects.exists()


def test_no_new_attempt_while_the_last_awaits_grading(expert):
    exam = exam_with(singles=2, free=1, draw=3, retake_cooldown_days=0)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers=all_right(attempt), now=NOW)

    with pytest.raises(Conflict, match="awaiting grading"):
        exams.exam_attempt_start(expert=expert, exam=exam, now=NOW + datetime.timedelta(days=1))

    assert ExamAttempt.objects.filter(expert=expert).count() == 1


# --- answering ----------------------------------------------------------------------------------


def test_invalid_answers_are_refused_per_question_and_nothing_changes(expert):
    exam = ExamFactory(questions_per_attempt=5)
    one, many, essay, blank = single(exam), multiple(exam, correct=[0, 2]), free_text(exam), free_text(exam)
    extra = single(exam).pk
    other = single(ExamFactory()).pk
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    with pytest.raises(ValidationFailed) as refused:
        exams.exam_attempt_submit(
            attempt=attempt,
            answers={
                str(one.pk): 7,
                str(many.pk): [0, 0],
                str(essay.pk): "x" * 5001,
                str(blank.pk): "   ",
                str(extra): True,
                str(other): 1,
            },
            now=NOW,
        )

    details = refused.value.details
    assert details[str(one.pk)] == ["Choose one of the 3 options."]
    assert details[str(many.pk)] == ["Choose each option at most once."]
    assert details[str(essay.pk)] == ["Keep the answer to 5,000 characters; it has 5,001."]
    assert details[str(blank.pk)] == ["Write an answer, or leave the question out to skip it."]
    assert details[str(extra)] == ["Choose one of the 3 options."]
    assert details[str(other)] == ["This question is not part of your attempt."]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.answers, attempt.submitted_at) == (Status.IN_PROGRESS, {}, None)


def test_an_option_outside_a_multiple_choice_question_is_refused(expert):
    exam = ExamFactory(questions_per_attempt=1)
    many = multiple(exam, correct=[1])
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    with pytest.raises(ValidationFailed) as refused:
        exams.exam_attempt_save_answers(attempt=attempt, answers={str(many.pk): [1, 4]}, now=NOW)

    assert refused.value.details == {str(many.pk): ["Choose only among the 4 options shown."]}
    attempt.refresh_from_db()
    assert attempt.answers == {}


def test_saving_progress_replaces_the_answers_saved_before(expert):
    exam = ExamFactory(questions_per_attempt=2)
    first, second = single(exam), multiple(exam, correct=[1, 3])
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_save_answers(attempt=attempt, answers={str(first.pk): "2"}, now=NOW)

    exams.exam_attempt_save_answers(attempt=attempt, answers={str(second.pk): ["3", "1"]}, now=NOW)

    attempt.refresh_from_db()
    assert attempt.answers == {str(second.pk): [1, 3]}
    assert attempt.status == Status.IN_PROGRESS


def test_saving_after_the_deadline_is_refused(expert):
    exam = ExamFactory(questions_per_attempt=1, time_limit_minutes=10)
    question = single(exam)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_save_answers(attempt=attempt, answers={str(question.pk): 0}, now=NOW)

    with pytest.raises(Conflict, match="Time ran out"):
        exams.exam_attempt_save_answers(
            attempt=attempt, answers={str(question.pk): 1}, now=attempt.deadline_at + datetime.timedelta(seconds=1)
        )

    attempt.refresh_from_db()
    assert attempt.answers == {str(question.pk): 0}


def test_a_submission_after_the_grace_is_late_and_scored_on_saved_answers_only(expert):
    exam = ExamFactory(questions_per_attempt=3, time_limit_minutes=10, pass_mark=50)
    questions = [single(exam, correct=0), single(exam, correct=1), single(exam, correct=2)]
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_save_answers(
        attempt=attempt, answers={str(questions[0].pk): 0}, now=NOW + datetime.timedelta(minutes=9)
    )
    everything_right = {str(q.pk): q.correct[0] for q in questions}

    exams.exam_attempt_submit(
        attempt=attempt,
        answers=everything_right,
        now=attempt.deadline_at + exams.SUBMIT_GRACE + datetime.timedelta(seconds=1),
    )

    attempt.refresh_from_db()
    assert attempt.late is True
    assert attempt.answers == {str(questions[0].pk): 0}
    assert (attempt.auto_points, attempt.max_points) == (1, 3)
    assert attempt.score_percent == Decimal("33.33")
    assert attempt.status == Status.FAILED


def test_a_submission_within_the_grace_counts_the_answers_sent(expert):
    exam = ExamFactory(questions_per_attempt=2, time_limit_minutes=10)
    questions = [single(exam, correct=0), single(exam, correct=2)]
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    exams.exam_attempt_submit(
        attempt=attempt,
        answers={str(q.pk): q.correct[0] for q in questions},
        now=attempt.deadline_at + exams.SUBMIT_GRACE,
    )

    attempt.refresh_from_db()
    assert (attempt.late, attempt.auto_points, attempt.status) == (False, 2, Status.PASSED)


def test_a_late_submission_ignores_invalid_answers_instead_of_refusing(expert):
    exam = ExamFactory(questions_per_attempt=1, time_limit_minutes=5)
    question = single(exam)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    exams.exam_attempt_submit(attempt=attempt, answers={str(question.pk): 99}, now=NOW + datetime.timedelta(hours=1))

    attempt.refresh_from_db()
    assert (attempt.status, attempt.late, attempt.answers) == (Status.FAILED, True, {})


def test_submitting_twice_is_refused(expert):
    exam = exam_with(singles=2, draw=2)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers={}, now=NOW)
    attempt.refresh_from_db()
    before = (attempt.status, attempt.submitted_at, attempt.answers)

    with pytest.raises(Conflict, match="already handed in"):
        exams.exam_attempt_submit(attempt=attempt, answers=all_right(attempt), now=NOW + datetime.timedelta(minutes=1))

    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_at, attempt.answers) == before


# --- marking ------------------------------------------------------------------------------------


def test_an_auto_graded_pass_grants_the_exam_qualification(expert, django_capture_on_commit_callbacks):
    exam = ExamFactory(
        questions_per_attempt=3, pass_mark=70, level_awarded=Level.PROFESSIONAL, qualification_valid_days=730
    )
    single(exam), single(exam), multiple(exam, correct=[0, 3])
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        exams.exam_attempt_submit(attempt=attempt, answers=all_right(attempt), now=NOW + datetime.timedelta(minutes=5))

    attempt.refresh_from_db()
    assert (attempt.status, attempt.auto_points, attempt.max_points) == (Status.PASSED, 4, 4)
    assert attempt.score_percent == 100
    qualification = Qualification.objects.get(expert=expert)
    assert qualification.source == Qualification.Source.EXAM
    assert qualification.exam_attempt == attempt
    assert qualification.domain == exam.domain
    assert qualification.level == Level.PROFESSIONAL
    assert qualification.valid_until == timezone.localdate() + datetime.timedelta(days=730)
    assert [m.subject for m in mail.outbox] == [f"[Assay] You passed {exam.title}"]
    assert mail.outbox[0].to == [expert.email]


def test_multiple_choice_scores_only_an_exact_match(expert):
    exam = ExamFactory(questions_per_attempt=1)
    many = multiple(exam, correct=[0, 2])
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    exams.exam_attempt_submit(attempt=attempt, answers={str(many.pk): [0]}, now=NOW)

    attempt.refresh_from_db()
    assert (attempt.auto_points, attempt.max_points, attempt.status) == (0, 2, Status.FAILED)


def test_a_fail_grants_nothing_and_tells_the_expert_when_to_retry(expert, django_capture_on_commit_callbacks):
    exam = ExamFactory(questions_per_attempt=4, pass_mark=70, retake_cooldown_days=14)
    questions = [single(exam, correct=0) for _ in range(4)]
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    two_right = {str(questions[0].pk): 0, str(questions[1].pk): 0, str(questions[2].pk): 1}

    with django_capture_on_commit_callbacks(execute=True):
        exams.exam_attempt_submit(attempt=attempt, answers=two_right, now=NOW)

    attempt.refresh_from_db()
    assert (attempt.status, attempt.score_percent) == (Status.FAILED, 50)
    assert not Qualification.objects.exists()
    assert [m.subject for m in mail.outbox] == [f"[Assay] Your result for {exam.title}"]
    assert "You can try again from 16 November 2026" in mail.outbox[0].body


def test_written_answers_wait_for_grading_then_a_pass_grants_the_qualification(
    expert, staff, django_capture_on_commit_callbacks
):
    exam = ExamFactory(questions_per_attempt=3, pass_mark=70, qualification_valid_days=730)
    quiz, essay, other_essay = single(exam, correct=2), free_text(exam, points=4), free_text(exam, points=4)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    answers = {str(quiz.pk): 2, str(essay.pk): "Energy is conserved because…", str(other_essay.pk): "Because…"}

    with django_capture_on_commit_callbacks(execute=True):
        exams.exam_attempt_submit(attempt=attempt, answers=answers, now=NOW)

    attempt.refresh_from_db()
    assert (attempt.status, attempt.auto_points, attempt.max_points) == (Status.PENDING_GRADING, 1, 9)
    assert attempt.score_percent is None
    assert not Qualification.objects.exists()
    assert [m.subject for m in mail.outbox] == [f"[Assay] Your answers to {exam.title} are being graded"]

    with django_capture_on_commit_callbacks(execute=True):
        exams.exam_attempt_grade(
            attempt=attempt,
            points={str(essay.pk): 4, str(other_essay.pk): 2},
            note="Clear on conservation; the second answer misses the energy source.",
            graded_by=staff,
            now=NOW + datetime.timedelta(days=2),
        )

    attempt.refresh_from_db()
    assert attempt.status == Status.PASSED
    assert attempt.manual_points == {str(essay.pk): 4, str(other_essay.pk): 2}
    assert attempt.score_percent == Decimal("77.77")  # 7 of 9, rounded down
    assert (attempt.graded_by, attempt.graded_at) == (staff, NOW + datetime.timedelta(days=2))
    qualification = Qualification.objects.get(expert=expert)
    assert (qualification.source, qualification.exam_attempt) == (Qualification.Source.EXAM, attempt)
    assert mail.outbox[-1].subject == f"[Assay] You passed {exam.title}"
    assert "the second answer misses the energy source" in mail.outbox[-1].body


def test_unanswered_written_questions_score_nothing_without_waiting_for_a_grader(expert):
    exam = ExamFactory(questions_per_attempt=2, pass_mark=20)
    quiz, essay = single(exam, correct=0), free_text(exam, points=3)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    exams.exam_attempt_submit(attempt=attempt, answers={str(quiz.pk): 0}, now=NOW)

    attempt.refresh_from_db()
    assert attempt.manual_points == {str(essay.pk): 0}
    assert (attempt.status, attempt.max_points, attempt.score_percent) == (Status.PASSED, 4, 25)


def test_a_grader_cannot_grade_their_own_attempt(staff):
    exam = ExamFactory(questions_per_attempt=1)
    essay = free_text(exam)
    attempt = exams.exam_attempt_start(expert=staff, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers={str(essay.pk): "My own answer"}, now=NOW)

    with pytest.raises(Forbidden, match="your own attempt"):
        exams.exam_attempt_grade(attempt=attempt, points={str(essay.pk): 4}, note="", graded_by=staff)

    attempt.refresh_from_db()
    assert (attempt.status, attempt.manual_points, attempt.graded_by) == (Status.PENDING_GRADING, {}, None)
    assert not Qualification.objects.exists()


def test_someone_who_is_not_platform_staff_cannot_grade(expert):
    exam = ExamFactory(questions_per_attempt=1)
    essay = free_text(exam)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers={str(essay.pk): "An answer"}, now=NOW)

    with pytest.raises(Forbidden, match="Only platform staff"):
        exams.exam_attempt_grade(attempt=attempt, points={str(essay.pk): 4}, note="", graded_by=UserFactory())

    attempt.refresh_from_db()
    assert attempt.status == Status.PENDING_GRADING


def test_a_graded_attempt_cannot_be_graded_again(expert, staff):
    exam = ExamFactory(questions_per_attempt=1, pass_mark=50)
    essay = free_text(exam, points=4)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers={str(essay.pk): "An answer"}, now=NOW)
    exams.exam_attempt_grade(attempt=attempt, points={str(essay.pk): 1}, note="Too thin.", graded_by=staff)
    other = UserFactory(is_staff=True)

    with pytest.raises(Conflict, match=r"already graded by grader@example\.com"):
        exams.exam_attempt_grade(attempt=attempt, points={str(essay.pk): 4}, note="Generous", graded_by=other)

    attempt.refresh_from_db()
    assert (attempt.status, attempt.manual_points, attempt.grader_note) == (
        Status.FAILED,
        {str(essay.pk): 1},
        "Too thin.",
    )
    assert not Qualification.objects.exists()


def test_grading_needs_points_in_range_for_every_written_answer(expert, staff):
    exam = ExamFactory(questions_per_attempt=2)
    first, second = free_text(exam, points=4), free_text(exam, points=4)
    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers={str(first.pk): "One", str(second.pk): "Two"}, now=NOW)

    with pytest.raises(ValidationFailed) as refused:
        exams.exam_attempt_grade(attempt=attempt, points={str(first.pk): 5}, note="", graded_by=staff)

    assert refused.value.details == {
        str(first.pk): ["Give a whole number of points from 0 to 4."],
        str(second.pk): ["Give a whole number of points from 0 to 4."],
    }
    attempt.refresh_from_db()
    assert (attempt.status, attempt.manual_points) == (Status.PENDING_GRADING, {})


# --- the overdue sweep --------------------------------------------------------------------------


def test_the_sweep_closes_overdue_attempts_once(expert, django_capture_on_commit_callbacks):
    exam = ExamFactory(questions_per_attempt=1, time_limit_minutes=10)
    question = single(exam, correct=1)
    overdue = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_save_answers(attempt=overdue, answers={str(question.pk): 1}, now=NOW)
    recent = exams.exam_attempt_start(expert=UserFactory(), exam=exam, now=NOW + datetime.timedelta(minutes=12))
    sweep_at = NOW + datetime.timedelta(minutes=20)

    with django_capture_on_commit_callbacks(execute=True):
        first = exams.exam_attempt_expire_overdue(now=sweep_at)
    with django_capture_on_commit_callbacks(execute=True):
        second = exams.exam_attempt_expire_overdue(now=sweep_at)

    assert (first, second) == (1, 0)
    overdue.refresh_from_db()
    recent.refresh_from_db()
    assert (overdue.status, overdue.late, overdue.submitted_at) == (Status.PASSED, True, sweep_at)
    assert recent.status == Status.IN_PROGRESS
    assert Qualification.objects.filter(exam_attempt=overdue).count() == 1
    assert [m.to for m in mail.outbox] == [[expert.email]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_close_each_attempt_once():
    exam = ExamFactory(questions_per_attempt=1, time_limit_minutes=5)
    single(exam)
    for _ in range(20):
        exams.exam_attempt_start(expert=UserFactory(), exam=exam, now=NOW)

    outcome = run_concurrently(lambda: exams.exam_attempt_expire_overdue(now=NOW + datetime.timedelta(hours=1)), 4)

    assert outcome.errors == []
    assert sum(outcome.results) == 20
    assert ExamAttempt.objects.filter(status=Status.FAILED, late=True).count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_open_one_attempt():
    expert = UserFactory()
    exam = exam_with(singles=5, draw=3)

    outcome = run_concurrently(lambda: exams.exam_attempt_start(expert=expert, exam=exam, now=NOW).pk, 4)

    assert outcome.errors == []
    assert len(set(outcome.results)) == 1
    assert ExamAttempt.objects.filter(expert=expert, exam=exam).count() == 1


# --- the seeded exams ---------------------------------------------------------------------------


@pytest.mark.parametrize("domain", ["physics", "mathematics", "law", "medicine"])
def test_the_seed_migration_created_a_sound_exam_per_domain(db, domain):
    exam = Exam.objects.get(domain__slug=domain, slug=f"{domain}-professional")
    questions = list(exam.questions.filter(is_active=True))
    kinds = {question.kind for question in questions}

    assert exam.is_active
    assert (exam.pass_mark, exam.retake_cooldown_days, exam.qualification_valid_days) == (70, 14, 730)
    assert exam.level_awarded == Level.PROFESSIONAL
    assert 20 <= exam.time_limit_minutes <= 40
    assert len(questions) >= 10
    assert exam.questions_per_attempt < len(questions)
    assert kinds == {Kind.SINGLE, Kind.MULTIPLE, Kind.FREE_TEXT}
    for question in questions:
        if question.kind == Kind.FREE_TEXT:
            assert question.choices == [] and question.correct == []
            assert question.guidance.strip(), question.prompt
        else:
            assert len(question.choices) >= 2, question.prompt
            assert len(set(question.choices)) == len(question.choices), question.prompt
            assert question.correct, question.prompt
            assert all(0 <= index < len(question.choices) for index in question.correct), question.prompt
            assert len(set(question.correct)) == len(question.correct), question.prompt
            if question.kind == Kind.SINGLE:
                assert len(question.correct) == 1, question.prompt


def test_seeding_again_changes_nothing(db):
    before = (Exam.objects.count(), ExamQuestion.objects.count())

    created = exam_bank.exam_bank_sync(Exam=Exam, ExamQuestion=ExamQuestion, Domain=Domain)

    assert created == 0
    assert (Exam.objects.count(), ExamQuestion.objects.count()) == before


def test_a_seeded_exam_can_be_taken_end_to_end(expert, staff):
    exam = Exam.objects.get(slug="law-professional")

    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)
    exams.exam_attempt_submit(attempt=attempt, answers=all_right(attempt), now=NOW + datetime.timedelta(minutes=20))
    attempt.refresh_from_db()
    essays = [q for q in exams.exam_attempt_questions(attempt=attempt) if q.kind == Kind.FREE_TEXT]
    exams.exam_attempt_grade(
        attempt=attempt, points={str(q.pk): q.points for q in essays}, note="", graded_by=staff, now=NOW
    )

    attempt.refresh_from_db()
    assert len(attempt.question_ids) == 8
    assert essays
    assert (attempt.status, attempt.score_percent) == (Status.PASSED, 100)


def test_qualifications_granted_otherwise_do_not_block_the_exam(expert):
    QualificationFactory(expert=expert, domain=Domain.objects.get(slug="physics"))
    exam = exam_with(singles=3, draw=3)

    attempt = exams.exam_attempt_start(expert=expert, exam=exam, now=NOW)

    assert attempt.status == Status.IN_PROGRESS
