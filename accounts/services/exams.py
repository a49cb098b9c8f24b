"""Qualification exams: starting an attempt, saving and submitting answers, grading, the overdue sweep.

The server is the only clock. An attempt is open from ``started_at`` to ``deadline_at``
(``started_at`` plus the exam's time limit):

- progress can be saved until ``deadline_at``, and not after;
- a submission that arrives by ``deadline_at`` plus ``SUBMIT_GRACE`` (network latency, a countdown
  that fires a moment late) is taken as sent;
- a submission that arrives later is marked ``late``: what it carries is void and the attempt is
  scored on the answers saved before the deadline;
- an attempt still open ``OVERDUE_AFTER`` past its deadline is closed by ``exam_attempt_expire_overdue``
  the same way, as if the expert had submitted late.

Choice questions are marked on submission. A single-choice answer scores when it is the one correct
option; a multiple-choice answer scores only when the set of options chosen is exactly the set of
correct ones (all or nothing: no partial credit). An unanswered question scores nothing. Free-text
answers are marked by platform staff with ``exam_attempt_grade``; an attempt with at least one
free-text answer waits for that, one with none is concluded at once (unanswered free-text questions
score nothing).

The reads at the end of the module (``exam_standings`` and friends) tell the pages what an expert may
do with each exam, using the same rules as ``exam_attempt_start``.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Exam, ExamAttempt, ExamQuestion, ExpertProfile, Qualification, User
from accounts.services.qualifications import qualification_grant_for_exam
from marketplace.errors import ApplicationError, Conflict, Forbidden, ValidationFailed
from marketplace.notifications import email_send

SUBMIT_GRACE = datetime.timedelta(seconds=30)
OVERDUE_AFTER = datetime.timedelta(minutes=5)
FREE_TEXT_MAX_CHARS = 5000
SWEEP_BATCH = 100

Kind = ExamQuestion.Kind
Status = ExamAttempt.Status


# --- starting -----------------------------------------------------------------------------------


def exam_attempt_start(*, expert: User, exam: Exam, now: datetime.datetime | None = None) -> ExamAttempt:
    """Open an attempt at ``exam`` for ``expert``, or return the one already open.

    Refused, with the reason and what to do about it, when the expert is suspended or banned, when
    the exam is closed or short of questions, when an earlier attempt awaits grading, when the
    expert already holds a current qualification from this exam, and within the retake cooldown
    after a failure (the message gives the date from which they can retry).

    An open attempt whose time (plus the grace) is over is first closed with the answers it saved,
    in its own transaction, so that a refusal that follows does not undo it.
    """
    now = now or timezone.now()
    _close_if_overdue(expert=expert, exam=exam, now=now)
    return _attempt_open(expert=expert, exam=exam, now=now)


@transaction.atomic
def _close_if_overdue(*, expert: User, exam: Exam, now: datetime.datetime) -> None:
    stale = (
        ExamAttempt.objects.select_for_update()
        .filter(expert=expert, exam=exam, status=Status.IN_PROGRESS, deadline_at__lt=now - SUBMIT_GRACE)
        .first()
    )
    if stale is not None:
        _finish(stale, answers=None, now=now, late=True)


@transaction.atomic
def _attempt_open(*, expert: User, exam: Exam, now: datetime.datetime) -> ExamAttempt:
    exam = Exam.objects.select_related("domain").get(pk=exam.pk)
    standing = exam_standings(expert=expert, exams=[exam], now=now)[exam.pk]
    if standing.open_attempt is not None and standing.state == ExamStanding.IN_PROGRESS and not standing.blocked:
        return standing.open_attempt
    if standing.refusal is not None:
        raise standing.refusal
    question_ids = _draw(exam=exam, previous=set(standing.latest.question_ids) if standing.latest else set())
    try:
        with transaction.atomic():
            return ExamAttempt.objects.create(
                expert=expert,
                exam=exam,
                question_ids=question_ids,
                started_at=now,
                deadline_at=now + datetime.timedelta(minutes=exam.time_limit_minutes),
            )
    except IntegrityError:
        # Another request opened one a moment ago (one open attempt per exam is a constraint).
        return ExamAttempt.objects.get(expert=expert, exam=exam, status=Status.IN_PROGRESS)


def _draw(*, exam: Exam, previous: set[int], rng: secrets.SystemRandom | None = None) -> list[int]:
    """The question ids of a new attempt, in the order they are shown.

    The rule, with ``n`` the exam's ``questions_per_attempt`` and "last time" the expert's previous
    attempt at this exam:

    1. ``n`` active questions are drawn at random (``secrets.SystemRandom``), questions not shown last
       time first, and questions shown last time only to make up the number.
    2. When the bank has free-text questions, at least one is drawn (an unseen one if possible): the
       last-preferred choice question gives way to it.
    3. When the bank is larger than ``n``, the set drawn never equals last time's set: if rules 1
       and 2 produced it (possible only when ``n`` is 1), a question not shown last time replaces one
       drawn; this rule wins over rule 2.
    4. Choice questions come first, in random order, then free-text questions.
    """
    rng = rng or secrets.SystemRandom()
    active = list(exam.questions.filter(is_active=True).only("pk", "kind"))
    n = exam.questions_per_attempt
    unseen = [q for q in active if q.pk not in previous]
    seen = [q for q in active if q.pk in previous]
    rng.shuffle(unseen)
    rng.shuffle(seen)
    preference = unseen + seen
    chosen = preference[:n]
    free_text = [q for q in preference if q.kind == Kind.FREE_TEXT]
    if free_text and not any(q.kind == Kind.FREE_TEXT for q in chosen):
        chosen[-1] = free_text[0]
    if len(active) > n and {q.pk for q in chosen} == previous:
        chosen[-1] = next(q for q in unseen if q not in chosen)
    rng.shuffle(chosen)
    chosen.sort(key=lambda q: q.kind == Kind.FREE_TEXT)
    return [q.pk for q in chosen]


# --- answering ----------------------------------------------------------------------------------


@transaction.atomic
def exam_attempt_save_answers(
    *, attempt: ExamAttempt, answers: dict, now: datetime.datetime | None = None
) -> ExamAttempt:
    """Save the answers given so far (they replace those saved before); refused after the deadline.

    Each answer given must be valid for its question (see ``exam_attempt_submit``); questions left
    out are unanswered.
    """
    now = now or timezone.now()
    attempt = _lock(attempt)
    _check_open(attempt)
    if now > attempt.deadline_at:
        raise Conflict(
            f"Time ran out at {_clock(attempt.deadline_at)}, so answers can no longer be saved. "
            "Submit to have the answers you saved before then marked."
        )
    attempt.answers = _clean_answers(questions=_questions(attempt), answers=answers)
    attempt.save(update_fields=["answers"])
    return attempt


@transaction.atomic
def exam_attempt_submit(*, attempt: ExamAttempt, answers: dict, now: datetime.datetime | None = None) -> ExamAttempt:
    """Hand in the attempt: mark the choice questions, then conclude it or queue it for grading.

    ``answers`` maps question ids to answers: an option index for a single-choice question, a list
    of distinct option indexes for a multiple-choice one, a non-blank text of at most
    ``FREE_TEXT_MAX_CHARS`` characters for a free-text one. A question left out is unanswered. An
    invalid answer refuses the submission with one reason per question (``details`` is keyed by
    question id) and saves nothing.

    After the deadline plus ``SUBMIT_GRACE`` the answers sent are void, not validated: the attempt
    is marked ``late`` and scored on the answers saved before the deadline.
    """
    now = now or timezone.now()
    attempt = _lock(attempt)
    _check_open(attempt)
    if now > attempt.deadline_at + SUBMIT_GRACE:
        _finish(attempt, answers=None, now=now, late=True)
    else:
        _finish(attempt, answers=_clean_answers(questions=_questions(attempt), answers=answers), now=now, late=False)
    return attempt


def exam_attempt_expire_overdue(*, now: datetime.datetime | None = None) -> int:
    """Close attempts left open ``OVERDUE_AFTER`` past their deadline, scored on what they saved.

    For a periodic sweep. Safe to run twice, or twice at once: attempts are claimed with
    ``SKIP LOCKED`` (on PostgreSQL) and closed only while still in progress. Returns how many closed.
    """
    now = now or timezone.now()
    closed = 0
    while True:
        with transaction.atomic():
            batch = list(
                ExamAttempt.objects.select_for_update(skip_locked=True)
                .filter(status=Status.IN_PROGRESS, deadline_at__lt=now - OVERDUE_AFTER)
                .order_by("deadline_at", "pk")[:SWEEP_BATCH]
            )
            for attempt in batch:
                _finish(attempt, answers=None, now=now, late=True)
            closed += len(batch)
        if len(batch) < SWEEP_BATCH:
            return closed


def _lock(attempt: ExamAttempt) -> ExamAttempt:
    return ExamAttempt.objects.select_for_update().select_related("exam", "expert").get(pk=attempt.pk)


def _check_open(attempt: ExamAttempt) -> None:
    if attempt.status != Status.IN_PROGRESS:
        raise Conflict(
            f"This attempt was already handed in on {_clock(attempt.submitted_at)}; see its result.",
            code="already_submitted",
        )


def _questions(attempt: ExamAttempt) -> list[ExamQuestion]:
    """The attempt's questions in the order drawn (a question deleted since is left out)."""
    by_id = {q.pk: q for q in ExamQuestion.objects.filter(pk__in=attempt.question_ids)}
    return [by_id[pk] for pk in attempt.question_ids if pk in by_id]


def _clean_answers(*, questions: list[ExamQuestion], answers: dict) -> dict[str, Any]:
    """Answers keyed by question id (as text), normalized; ``ValidationFailed`` with per-question reasons."""
    if not isinstance(answers, dict):
        raise ValidationFailed("Answers must map question ids to answers.")
    known = {str(q.pk): q for q in questions}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in answers:
        if str(key) not in known:
            errors[str(key)] = ["This question is not part of your attempt."]
    for key, question in known.items():
        raw = answers.get(key, answers.get(question.pk))
        if raw is None:
            continue
        try:
            value = _clean_answer(question, raw)
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        if value is not None:
            cleaned[key] = value
    if errors:
        count = len(errors)
        raise ValidationFailed(
            f"{count} answer{'s' if count > 1 else ''} need{'' if count > 1 else 's'} fixing; nothing was saved.",
            details=errors,
        )
    return cleaned


def _clean_answer(question: ExamQuestion, raw: Any) -> Any:
    options = len(question.choices)
    if question.kind == Kind.SINGLE:
        index = _as_index(raw)
        if index is None or not 0 <= index < options:
            raise ValueError(f"Choose one of the {options} options.")
        return index
    if question.kind == Kind.MULTIPLE:
        if not isinstance(raw, list | tuple):
            raise ValueError("Choose the options as a list.")
        indexes = [_as_index(item) for item in raw]
        if any(index is None or not 0 <= index < options for index in indexes):
            raise ValueError(f"Choose only among the {options} options shown.")
        if len(set(indexes)) != len(indexes):
            raise ValueError("Choose each option at most once.")
        return sorted(indexes) or None
    if not isinstance(raw, str):
        raise ValueError("Write your answer as text.")
    text = raw.strip()
    if not text:
        raise ValueError("Write an answer, or leave the question out to skip it.")
    if len(text) > FREE_TEXT_MAX_CHARS:
        raise ValueError(f"Keep the answer to {FREE_TEXT_MAX_CHARS:,} characters; it has {len(text):,}.")
    return text


def _as_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _is_correct(question: ExamQuestion, answer: Any) -> bool:
    if answer is None:
        return False
    if question.kind == Kind.SINGLE:
        return [answer] == list(question.correct)
    if question.kind == Kind.MULTIPLE:
        return sorted(answer) == sorted(question.correct)
    return False


def _finish(attempt: ExamAttempt, *, answers: dict | None, now: datetime.datetime, late: bool) -> None:
    """Hand in a locked, open attempt: mark choice questions; conclude it or queue it for grading."""
    if answers is not None:
        attempt.answers = answers
    attempt.submitted_at = now
    attempt.late = late
    questions = _questions(attempt)
    auto_points = max_points = 0
    manual_points: dict[str, int] = {}
    for question in questions:
        max_points += question.points
        answer = attempt.answers.get(str(question.pk))
        if question.kind == Kind.FREE_TEXT:
            if not answer:
                manual_points[str(question.pk)] = 0  # nothing to grade
        elif _is_correct(question, answer):
            auto_points += question.points
    attempt.auto_points, attempt.max_points, attempt.manual_points = auto_points, max_points, manual_points
    if _free_text_to_grade(attempt, questions):
        attempt.status = Status.PENDING_GRADING
        attempt.save()
        _email(attempt, "exam_pending_grading")
    else:
        _conclude(attempt)


def _free_text_to_grade(attempt: ExamAttempt, questions: list[ExamQuestion]) -> list[ExamQuestion]:
    return [q for q in questions if q.kind == Kind.FREE_TEXT and str(q.pk) not in attempt.manual_points]


def _conclude(attempt: ExamAttempt) -> None:
    """Score a fully marked attempt, pass or fail it, grant the qualification and tell the expert."""
    earned = attempt.auto_points + sum(attempt.manual_points.values())
    exam = attempt.exam
    if attempt.max_points:
        percent = Decimal(earned * 100) / Decimal(attempt.max_points)
        attempt.score_percent = percent.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    else:
        attempt.score_percent = Decimal("0.00")
    passed = attempt.max_points > 0 and earned * 100 >= exam.pass_mark * attempt.max_points
    attempt.status = Status.PASSED if passed else Status.FAILED
    attempt.save()
    if passed:
        qualification = qualification_grant_for_exam(attempt=attempt)
        _email(attempt, "exam_passed", qualification=qualification)
    else:
        _email(attempt, "exam_failed", retry_on=exam_attempt_retry_on(attempt=attempt))


def _email(attempt: ExamAttempt, name: str, **context) -> None:
    email_send(
        to=attempt.expert.email,
        template=f"email/accounts/{name}",
        context={
            "user": attempt.expert,
            "attempt": attempt,
            "exam": attempt.exam,
            "result_path": reverse("exam_attempt_result", args=[attempt.pk]),
            **context,
        },
    )


# --- grading ------------------------------------------------------------------------------------


@transaction.atomic
def exam_attempt_grade(
    *, attempt: ExamAttempt, points: dict, note: str, graded_by: User, now: datetime.datetime | None = None
) -> ExamAttempt:
    """Platform staff mark the free-text answers of an attempt awaiting grading, which concludes it.

    ``points`` maps each answered free-text question's id to a whole number from 0 to the question's
    points; every one must be given. The note is shown to the expert. Graders cannot grade their
    own attempt, and a grade is final: grading a concluded attempt again is refused.
    """
    now = now or timezone.now()
    attempt = _lock(attempt)
    if not graded_by.is_platform_staff:
        raise Forbidden("Only platform staff grade exam attempts.")
    if graded_by.pk == attempt.expert_id:
        raise Forbidden("You cannot grade your own attempt; another grader has to.")
    if attempt.status == Status.IN_PROGRESS:
        raise Conflict("The expert has not handed this attempt in yet.")
    if attempt.status != Status.PENDING_GRADING:
        by = f" by {attempt.graded_by}" if attempt.graded_by_id else ""
        when = _clock(attempt.graded_at or attempt.submitted_at)
        raise Conflict(f"This attempt was already graded{by} on {when}; grades are final.", code="already_graded")
    to_grade = {str(q.pk): q for q in _free_text_to_grade(attempt, _questions(attempt))}
    errors: dict[str, list[str]] = {}
    given: dict[str, int] = {}
    for key in points:
        if str(key) not in to_grade:
            errors[str(key)] = ["This is not a free-text answer of this attempt awaiting grading."]
    for key, question in to_grade.items():
        value = _as_index(points.get(key, points.get(question.pk)))
        if value is None or not 0 <= value <= question.points:
            errors[key] = [f"Give a whole number of points from 0 to {question.points}."]
        else:
            given[key] = value
    if errors:
        raise ValidationFailed("Grade every free-text answer with points in range; nothing was saved.", details=errors)
    attempt.manual_points = {**attempt.manual_points, **given}
    attempt.graded_by = graded_by
    attempt.graded_at = now
    attempt.grader_note = (note or "").strip()
    _conclude(attempt)
    return attempt


# --- reads --------------------------------------------------------------------------------------


def exam_list_active() -> models.QuerySet:
    """Exams an expert may take, with their domain, ordered by domain then title."""
    return (
        Exam.objects.filter(is_active=True).select_related("domain", "domain__parent").order_by("domain__name", "title")
    )


def exam_attempt_retry_on(*, attempt: ExamAttempt) -> datetime.date | None:
    """For a failed attempt: the first day another attempt may start (the cooldown counts from hand-in)."""
    if attempt.status != Status.FAILED or attempt.submitted_at is None:
        return None
    return timezone.localdate(attempt.submitted_at) + datetime.timedelta(days=attempt.exam.retake_cooldown_days)


def exam_attempt_seconds_left(*, attempt: ExamAttempt, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, int((attempt.deadline_at - now).total_seconds()))


@dataclass(frozen=True)
class ExamStanding:
    """Where an expert stands with one exam, and whether (and why not) they may start an attempt."""

    NOT_TAKEN = "not_taken"
    IN_PROGRESS = "in_progress"
    TIME_UP = "time_up"
    PENDING_GRADING = "pending_grading"
    PASSED = "passed"
    PASSED_LAPSED = "passed_lapsed"
    FAILED = "failed"

    state: str
    latest: ExamAttempt | None
    open_attempt: ExamAttempt | None
    valid_until: datetime.date | None
    retry_on: datetime.date | None
    refusal: ApplicationError | None
    blocked: bool  # the expert may do nothing with exams (suspended or banned)

    @property
    def can_start(self) -> bool:
        return self.refusal is None and self.state != self.IN_PROGRESS

    @property
    def reason(self) -> str:
        return self.refusal.message if self.refusal is not None else ""


def exam_standings(*, expert: User, exams: list[Exam], now: datetime.datetime | None = None) -> dict[int, ExamStanding]:
    """Each exam's standing for ``expert``, keyed by exam id, in a fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    exam_ids = [exam.pk for exam in exams]
    profile = ExpertProfile.objects.filter(user=expert).only("status", "status_reason").first()
    attempts: dict[int, list[ExamAttempt]] = {pk: [] for pk in exam_ids}
    for attempt in ExamAttempt.objects.filter(expert=expert, exam_id__in=exam_ids).order_by("-started_at", "-pk"):
        attempts[attempt.exam_id].append(attempt)
    held: dict[int, Qualification] = {}
    for qualification in (
        Qualification.objects.current(today=today)
        .filter(expert=expert, exam_attempt__exam_id__in=exam_ids)
        .select_related("exam_attempt")
        .order_by("valid_until")
    ):
        held.setdefault(qualification.exam_attempt.exam_id, qualification)
    counts = dict(
        ExamQuestion.objects.filter(exam_id__in=exam_ids, is_active=True)
        .values_list("exam_id")
        .annotate(n=models.Count("pk"))
        .values_list("exam_id", "n")
    )
    return {
        exam.pk: _standing(
            exam=exam,
            attempts=attempts[exam.pk],
            qualification=held.get(exam.pk),
            active_questions=counts.get(exam.pk, 0),
            profile=profile,
            now=now,
        )
        for exam in exams
    }


def _standing(
    *,
    exam: Exam,
    attempts: list[ExamAttempt],
    qualification: Qualification | None,
    active_questions: int,
    profile: ExpertProfile | None,
    now: datetime.datetime,
) -> ExamStanding:
    for attempt in attempts:
        attempt.exam = exam
    latest = attempts[0] if attempts else None
    open_attempt = next((a for a in attempts if a.status == Status.IN_PROGRESS), None)
    finished = sorted((a for a in attempts if a.submitted_at), key=lambda a: a.submitted_at, reverse=True)
    last = finished[0] if finished else None
    valid_until = qualification.valid_until if qualification else None
    retry_on = exam_attempt_retry_on(attempt=last) if last else None
    today = timezone.localdate(now)

    if open_attempt is not None:
        state = ExamStanding.IN_PROGRESS if now <= open_attempt.deadline_at + SUBMIT_GRACE else ExamStanding.TIME_UP
    elif last is None:
        state = ExamStanding.NOT_TAKEN
    elif last.status == Status.PENDING_GRADING:
        state = ExamStanding.PENDING_GRADING
    elif qualification is not None:
        state = ExamStanding.PASSED
    elif last.status == Status.FAILED:
        state = ExamStanding.FAILED
    else:
        state = ExamStanding.PASSED_LAPSED  # passed, but the qualification has since expired or been revoked

    blocked = profile is not None and profile.status in (ExpertProfile.Status.PAUSED, ExpertProfile.Status.BANNED)
    refusal: ApplicationError | None = None
    if blocked:
        reason = f" ({profile.status_reason.strip()})" if profile.status_reason.strip() else ""
        refusal = Forbidden(
            f"Your account is {profile.get_status_display().lower()}{reason}, so you cannot take exams. "
            "Contact support if you think this is a mistake."
        )
    elif state == ExamStanding.IN_PROGRESS:
        refusal = None  # starting again returns the open attempt
    elif state == ExamStanding.TIME_UP:
        refusal = None  # starting closes the overdue attempt first, then decides
    elif not exam.is_active:
        refusal = Conflict("This exam is closed; choose another exam from the list.")
    elif state == ExamStanding.PENDING_GRADING:
        refusal = Conflict(
            "Your last attempt is awaiting grading by our staff; we will email you the result, "
            "and you can start again only after that."
        )
    elif qualification is not None:
        until = f" until {_day(valid_until)}" if valid_until else ""
        refusal = Conflict(f"You passed this exam and your qualification is valid{until}; there is nothing to retake.")
    elif state == ExamStanding.FAILED and retry_on is not None and today < retry_on:
        refusal = Conflict(
            f"You did not pass on {_day(timezone.localdate(last.submitted_at))}; you can retry from {_day(retry_on)}.",
            details={"retry_on": [retry_on.isoformat()]},
        )
    elif active_questions < exam.questions_per_attempt:
        refusal = Conflict("This exam is being revised and cannot be taken at the moment; please try again later.")
    return ExamStanding(
        state=state,
        latest=latest,
        open_attempt=open_attempt,
        valid_until=valid_until,
        retry_on=retry_on if state == ExamStanding.FAILED else None,
        refusal=refusal,
        blocked=blocked,
    )


@dataclass(frozen=True)
class QuestionReview:
    """One drawn question of an attempt as the result page or a grader sees it."""

    number: int
    question: ExamQuestion
    answered: bool
    answer_text: str  # free text
    chosen: list[str]  # the options the expert chose, in order
    correct: bool | None  # choice questions once handed in; None for free text
    points: int | None  # points earned, once known
    correct_options: list[str] | None  # the answer key: only when asked for (graders), never for experts


def exam_attempt_review(*, attempt: ExamAttempt, reveal_key: bool = False) -> list[QuestionReview]:
    """The attempt's questions with the expert's answers and how each was marked.

    The answer key is left out unless ``reveal_key`` is set, so the page an expert sees cannot
    leak the question bank's answers.
    """
    handed_in = attempt.status != Status.IN_PROGRESS
    rows = []
    for number, question in enumerate(_questions(attempt), start=1):
        answer = attempt.answers.get(str(question.pk))
        if question.kind == Kind.FREE_TEXT:
            chosen: list[str] = []
            given = attempt.manual_points.get(str(question.pk))
            correct, points = None, given
        else:
            indexes = [answer] if question.kind == Kind.SINGLE and answer is not None else list(answer or [])
            chosen = [question.choices[i] for i in indexes if 0 <= i < len(question.choices)]
            correct = _is_correct(question, answer) if handed_in else None
            points = (question.points if correct else 0) if handed_in else None
        rows.append(
            QuestionReview(
                number=number,
                question=question,
                answered=answer not in (None, "", []),
                answer_text=answer if question.kind == Kind.FREE_TEXT and answer else "",
                chosen=chosen,
                correct=correct,
                points=points,
                correct_options=[question.choices[i] for i in question.correct if 0 <= i < len(question.choices)]
                if reveal_key and question.kind != Kind.FREE_TEXT
                else None,
            )
        )
    return rows


def exam_attempt_questions(*, attempt: ExamAttempt) -> list[ExamQuestion]:
    """The attempt's questions in the order drawn."""
    return _questions(attempt)


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _clock(value: datetime.datetime | None) -> str:
    if value is None:
        return "an unknown date"
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} {local.tzname()}"
