"""The expert's exam pages: the list, an exam's rules, the timed answer sheet and the result.

An attempt belongs to the expert who started it; anyone else's is "not found", exactly like a
missing one. The server keeps the time: the page shows what it computed, and a small script only
counts down from that figure.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.forms.exams import ExamAnswersForm, apply_question_errors
from accounts.models import ExamAttempt, ExamQuestion, ExpertProfile
from accounts.services import exams as services
from marketplace.errors import ApplicationError, ValidationFailed


def _timezone_name(user) -> str | None:
    """The expert's own time zone for showing deadlines, when their profile has one."""
    return ExpertProfile.objects.filter(user=user).exclude(timezone="").values_list("timezone", flat=True).first()


def _own_attempt(request, pk: int) -> ExamAttempt:
    return get_object_or_404(
        ExamAttempt.objects.select_related("exam__domain__parent", "graded_by"), pk=pk, expert=request.user
    )


@login_required
@require_safe
def exam_list(request):
    exams = list(services.exam_list_active())
    standings = services.exam_standings(expert=request.user, exams=exams)
    rows = [{"exam": exam, "standing": standings[exam.pk]} for exam in exams]
    return render(request, "accounts/exams/list.html", {"rows": rows})


@login_required
@require_safe
def exam_detail(request, slug: str):
    exam = get_object_or_404(services.exam_list_active(), slug=slug)
    standing = services.exam_standings(expert=request.user, exams=[exam])[exam.pk]
    return render(
        request,
        "accounts/exams/detail.html",
        {"exam": exam, "standing": standing, "grace_seconds": int(services.SUBMIT_GRACE.total_seconds())},
    )


@login_required
@require_POST
def exam_start(request, slug: str):
    exam = get_object_or_404(services.exam_list_active(), slug=slug)
    try:
        attempt = services.exam_attempt_start(expert=request.user, exam=exam)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exam_detail", slug=exam.slug)
    return redirect("exam_attempt", pk=attempt.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def exam_attempt(request, pk: int):
    attempt = _own_attempt(request, pk)
    if attempt.status != ExamAttempt.Status.IN_PROGRESS:
        return redirect("exam_attempt_result", pk=attempt.pk)
    questions = services.exam_attempt_questions(attempt=attempt)
    form = ExamAnswersForm(request.POST or None, questions=questions, saved=attempt.answers)
    status = 200
    if request.method == "POST" and form.is_valid():
        submitting = "submit" in request.POST
        try:
            if submitting:
                attempt = services.exam_attempt_submit(attempt=attempt, answers=form.answers())
            else:
                attempt = services.exam_attempt_save_answers(attempt=attempt, answers=form.answers())
        except ValidationFailed as exc:
            apply_question_errors(form, exc)
            status = 400
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("exam_attempt", pk=attempt.pk)
        else:
            if submitting:
                return redirect("exam_attempt_result", pk=attempt.pk)
            messages.success(request, f"Your answers were saved ({len(attempt.answers)} of {len(questions)} answered).")
            return redirect("exam_attempt", pk=attempt.pk)
    now = timezone.now()
    seconds_left = services.exam_attempt_seconds_left(attempt=attempt, now=now)
    return render(
        request,
        "accounts/exams/attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "form": form,
            "seconds_left": seconds_left,
            "minutes_left": seconds_left // 60,
            "seconds_part": seconds_left % 60,
            "time_up": seconds_left == 0,
            "saved_count": len(attempt.answers),
            "kinds": ExamQuestion.Kind,
            "tzname": _timezone_name(request.user),
        },
        status=status,
    )


@login_required
@require_safe
def exam_attempt_result(request, pk: int):
    attempt = _own_attempt(request, pk)
    if attempt.status == ExamAttempt.Status.IN_PROGRESS:
        return redirect("exam_attempt", pk=attempt.pk)
    rows = services.exam_attempt_review(attempt=attempt)
    qualification = attempt.qualifications.order_by("-granted_at").first()
    return render(
        request,
        "accounts/exams/result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "rows": rows,
            "earned": attempt.auto_points + sum(attempt.manual_points.values()),
            "retry_on": services.exam_attempt_retry_on(attempt=attempt),
            "qualification": qualification,
            "kinds": ExamQuestion.Kind,
        },
    )
