"""Exams in the admin, for platform staff only: the question banks, and the grading queue.

Both are plain ``ModelAdmin`` classes: lab staff have no Django permissions, so they are kept out
(403), as they should be: exams are platform content, and attempts are experts' private results.

The attempt admin is a queue of written answers to grade, oldest hand-in first. Its change page
shows each drawn question with the expert's answer, the answer key or the grading guidance, and a
points field per written answer; saving it calls ``exam_attempt_grade``. Nothing else about an
attempt can be changed here.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.forms.exams import ExamGradeForm, apply_question_errors, points_field_name
from accounts.models import Exam, ExamAttempt, ExamQuestion
from accounts.services.exams import exam_attempt_grade, exam_attempt_review
from marketplace.errors import ApplicationError, ValidationFailed

Kind = ExamQuestion.Kind


class ExamQuestionForm(forms.ModelForm):
    """Options one per line and the correct ones by number, instead of raw JSON."""

    options = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Choice questions: one option per line, in the order shown to experts. Empty for free text.",
    )
    correct_options = forms.CharField(
        label="Correct options",
        required=False,
        help_text="Choice questions: the numbers of the correct options as listed, from 1, e.g. “2” or “1, 3”.",
    )

    class Meta:
        model = ExamQuestion
        fields = ["kind", "prompt", "options", "correct_options", "guidance", "points", "is_active"]
        widgets = {"prompt": forms.Textarea(attrs={"rows": 3}), "guidance": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options"].initial = "\n".join(self.instance.choices)
            self.fields["correct_options"].initial = ", ".join(str(index + 1) for index in self.instance.correct)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        options = [line.strip() for line in cleaned.get("options", "").splitlines() if line.strip()]
        raw_correct = cleaned.get("correct_options", "").strip()
        if kind == Kind.FREE_TEXT:
            if options:
                self.add_error("options", "A free-text question has no options: clear them, or change the kind.")
            if raw_correct:
                self.add_error("correct_options", "A free-text question has no correct options: clear this field.")
            if not cleaned.get("guidance", "").strip():
                self.add_error("guidance", "Tell graders what a full answer contains and how to award the points.")
            self.instance.choices, self.instance.correct = [], []
            return cleaned
        if kind not in (Kind.SINGLE, Kind.MULTIPLE):
            return cleaned
        if len(options) < 2:
            self.add_error("options", "A choice question needs at least two options, one per line.")
        repeated = sorted({option for option in options if options.count(option) > 1})
        if repeated:
            self.add_error("options", f"Each option must differ; repeated: {', '.join(repeated)}.")
        tokens = [token for token in re.split(r"[\s,;]+", raw_correct) if token]
        if not all(token.isdigit() for token in tokens):
            self.add_error("correct_options", "Give option numbers only, separated by commas.")
            return cleaned
        numbers = [int(token) for token in tokens]
        out_of_range = [n for n in numbers if not 1 <= n <= len(options)]
        if out_of_range:
            self.add_error(
                "correct_options",
                f"There is no option {', '.join(map(str, out_of_range))}: "
                f"the options are numbered 1 to {len(options)}.",
            )
        elif len(set(numbers)) != len(numbers):
            self.add_error("correct_options", "Give each correct option once.")
        elif kind == Kind.SINGLE and len(numbers) != 1:
            self.add_error("correct_options", "A single-choice question has exactly one correct option.")
        elif kind == Kind.MULTIPLE and not numbers:
            self.add_error("correct_options", "Give at least one correct option.")
        self.instance.choices = options
        self.instance.correct = sorted(n - 1 for n in numbers)
        return cleaned


class ExamQuestionInline(admin.StackedInline):
    model = ExamQuestion
    form = ExamQuestionForm
    extra = 1
    can_delete = False  # attempts refer to their questions: retire a question by unticking "active"
    fields = ["kind", "prompt", "options", "correct_options", "guidance", "points", "is_active"]


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "domain",
        "pass_mark",
        "time_limit_minutes",
        "questions_per_attempt",
        "active_questions",
        "is_active",
    ]
    list_filter = ["is_active", "domain"]
    list_select_related = ["domain", "domain__parent"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ExamQuestionInline]
    fieldsets = [
        (None, {"fields": ["domain", "title", "slug", "description", "is_active"]}),
        (
            "Rules",
            {
                "fields": [
                    "questions_per_attempt",
                    "time_limit_minutes",
                    "pass_mark",
                    "retake_cooldown_days",
                    "level_awarded",
                    "qualification_valid_days",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_active=Count("questions", filter=Q(questions__is_active=True)))

    @admin.display(description="Active questions", ordering="_active")
    def active_questions(self, obj) -> int:
        return obj._active

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        exam = form.instance
        active = exam.questions.filter(is_active=True).count()
        free_text = exam.questions.filter(is_active=True, kind=Kind.FREE_TEXT).count()
        if exam.is_active and active < exam.questions_per_attempt:
            messages.warning(
                request,
                f"“{exam}” draws {exam.questions_per_attempt} questions but has {active} active: "
                "experts cannot start it until you add questions or lower the number drawn.",
            )
        elif exam.is_active and active == exam.questions_per_attempt:
            messages.warning(
                request,
                f"“{exam}” has exactly as many active questions as it draws, so every attempt gets the same set; "
                "add questions so that retakes differ.",
            )
        if exam.is_active and active and not free_text:
            messages.info(request, f"“{exam}” has no active free-text question, so it is marked automatically.")


class AttemptStatusFilter(admin.SimpleListFilter):
    """Status, showing the attempts awaiting grading unless asked otherwise."""

    title = "status"
    parameter_name = "status"
    default = ExamAttempt.Status.PENDING_GRADING
    everything = "all"

    def lookups(self, request, model_admin):
        return [*ExamAttempt.Status.choices, (self.everything, "All")]

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value == self.everything else queryset.filter(status=value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(ExamAttempt)
class ExamAttemptAdmin(admin.ModelAdmin):
    list_display = ["expert", "exam", "domain", "status", "submitted_at", "score", "late"]
    list_filter = [AttemptStatusFilter, "exam", "exam__domain", "late"]
    list_select_related = ["expert", "exam", "exam__domain", "exam__domain__parent"]
    search_fields = ["expert__email", "exam__title"]
    ordering = ["submitted_at", "pk"]
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="Domain", ordering="exam__domain__name")
    def domain(self, obj) -> str:
        return str(obj.exam.domain)

    @admin.display(description="Score")
    def score(self, obj) -> str | None:
        return f"{obj.score_percent}%" if obj.score_percent is not None else None

    def has_add_permission(self, request):
        return False  # attempts are started by experts

    def has_delete_permission(self, request, obj=None):
        return False  # results and the qualifications they earned are kept

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The attempt, question by question; a grading form while written answers await grading."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        attempt = self.get_object(request, unquote(object_id))
        if attempt is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, attempt):
            raise PermissionDenied
        rows = exam_attempt_review(attempt=attempt, reveal_key=True)
        own = attempt.expert_id == request.user.pk
        may_grade = (
            attempt.status == ExamAttempt.Status.PENDING_GRADING
            and self.has_change_permission(request, attempt)
            and not own
        )
        if request.method == "POST" and not may_grade:
            raise PermissionDenied
        form = None
        if may_grade:
            to_grade = [row.question for row in rows if row.question.kind == Kind.FREE_TEXT and row.points is None]
            form = ExamGradeForm(request.POST or None, questions=to_grade)
            if request.method == "POST" and form.is_valid():
                try:
                    exam_attempt_grade(
                        attempt=attempt, points=form.points(), note=form.cleaned_data["note"], graded_by=request.user
                    )
                except ValidationFailed as exc:
                    apply_question_errors(form, exc, field_name=points_field_name)
                except ApplicationError as exc:
                    messages.error(request, exc.message)
                    return redirect(request.get_full_path())
                else:
                    attempt.refresh_from_db()
                    self.log_change(request, attempt, f"Graded: {attempt.get_status_display().lower()}.")
                    messages.success(
                        request,
                        f"Graded: {attempt.expert} {attempt.get_status_display().lower()} “{attempt.exam}” "
                        f"with {attempt.score_percent}%. They have been emailed the result.",
                    )
                    return redirect(self._changelist_url(request))
        items = [
            {"row": row, "points_field": form[points_field_name(row.question)] if form and row.points is None else None}
            for row in rows
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Attempt at {attempt.exam} by {attempt.expert}",
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": attempt,
            "attempt": attempt,
            "items": items,
            "form": form,
            "own_attempt": own,
            "earned": attempt.auto_points + sum(attempt.manual_points.values()),
            "changelist_url": self._changelist_url(request),
            "history_url": reverse(
                f"{self.admin_site.name}:accounts_examattempt_history",
                args=[attempt.pk],
                current_app=self.admin_site.name,
            ),
            "has_view_permission": True,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "accounts/exams/admin_attempt.html", context)

    def _changelist_url(self, request) -> str:
        url = reverse(f"{self.admin_site.name}:accounts_examattempt_changelist", current_app=self.admin_site.name)
        return add_preserved_filters({"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url)
