"""Forms for exams: the expert's answer sheet, and the grader's marks for free-text answers.

Both are built from the attempt's drawn questions. They only parse input; the services decide what is
valid and say why per question, and ``apply_question_errors`` puts those reasons on the fields.
"""

from django import forms

from accounts.models import ExamQuestion
from accounts.services.exams import FREE_TEXT_MAX_CHARS
from marketplace.errors import ApplicationError

Kind = ExamQuestion.Kind


def answer_field_name(question: ExamQuestion) -> str:
    return f"question_{question.pk}"


def points_field_name(question: ExamQuestion) -> str:
    return f"points_{question.pk}"


class _OptionField(forms.ChoiceField):
    def validate(self, value):
        """Left to ``exam_attempt_submit``, which says per question what is wrong."""


class _OptionsField(forms.MultipleChoiceField):
    def validate(self, value):
        """Left to ``exam_attempt_submit``, which says per question what is wrong."""


class ExamAnswersForm(forms.Form):
    """One field per drawn question: radio buttons, checkboxes or a text area. Every answer is optional.

    The fields accept what they are sent and the service validates it, so that one set of rules (and
    messages) applies, and so that a late submission is never stopped by a form error: its answers
    are void anyway.
    """

    def __init__(self, *args, questions: list[ExamQuestion], saved: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        saved = saved or {}
        for number, question in enumerate(questions, start=1):
            label = f"Question {number}"
            answer = saved.get(str(question.pk))
            options = [(str(index), text) for index, text in enumerate(question.choices)]
            if question.kind == Kind.SINGLE:
                field = _OptionField(
                    label=label, choices=options, required=False, widget=forms.RadioSelect, initial=_text(answer)
                )
            elif question.kind == Kind.MULTIPLE:
                field = _OptionsField(
                    label=label,
                    choices=options,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=[str(index) for index in answer or []],
                )
            else:
                field = forms.CharField(
                    label=label,
                    required=False,
                    strip=True,
                    widget=forms.Textarea(attrs={"rows": 8, "maxlength": FREE_TEXT_MAX_CHARS}),
                    initial=answer or "",
                )
            field.question = question
            field.number = number
            self.fields[answer_field_name(question)] = field

    def answers(self) -> dict[str, object]:
        """The answers given, keyed by question id, as sent (option indexes as text); blanks are left out."""
        result: dict[str, object] = {}
        for question in self.questions:
            value = self.cleaned_data.get(answer_field_name(question))
            if value in (None, "", []):
                continue
            result[str(question.pk)] = value
        return result

    def question_fields(self):
        """(question, bound field) pairs in the order shown."""
        return [(field.question, self[name]) for name, field in self.fields.items()]


class ExamGradeForm(forms.Form):
    """Points for each free-text answer awaiting grading, and a note the expert will read."""

    note = forms.CharField(
        label="Note to the expert",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to the expert with the result: what was missing, what was good.",
    )

    def __init__(self, *args, questions: list[ExamQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[points_field_name(question)] = forms.IntegerField(
                label=f"Points (0 to {question.points})", min_value=0, max_value=question.points
            )

    def points(self) -> dict[str, int]:
        return {str(q.pk): self.cleaned_data[points_field_name(q)] for q in self.questions}


def apply_question_errors(form: forms.Form, exc: ApplicationError, *, field_name=answer_field_name) -> None:
    """Put a service's per-question reasons (keyed by question id) on the matching fields."""
    by_id = {str(q.pk): field_name(q) for q in form.questions}
    placed = False
    for key, reasons in exc.details.items():
        name = by_id.get(str(key))
        if name in form.fields:
            for reason in reasons:
                form.add_error(name, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _text(value) -> str | None:
    return None if value is None else str(value)
