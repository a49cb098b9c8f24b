"""Task templates: the fields an expert sees (taken from task data) and the questions they answer.

A template is JSON with two lists, ``{"fields": [...], "questions": [...]}``. ``template_validate``
checks one and returns a normalized copy with every default filled in (validating that copy again
gives the same copy). ``TaskDataValidator`` checks task data against the fields, ``answers_validate``
an expert's answers against the questions, and ``gold_validate`` a control task's known answer.

Fields
------
Every field has ``name`` (an identifier, unique among fields), ``kind``, and optionally ``label``
(defaults to the name in words), ``help`` (default "") and ``required`` (default true). The task
data is an object keyed by field name; keys that name no field are kept but never shown, so a lab
can carry its own metadata (a model name, a source id) alongside what experts see. A missing value,
``null``, a blank string and an empty list all count as absent.

``text``, ``markdown``
    A string.
``code``
    A string; option ``language`` (default ``"plaintext"``), e.g. ``"python"``.
``image_url``
    An ``https://`` URL of at most 2,048 characters. ``http://`` is accepted only for ``localhost``,
    ``127.0.0.1`` and ``[::1]``, so local development and tests can serve their own images.
``chat``
    A list of turns ``{"role": "system"|"user"|"assistant"|"tool", "content": str}`` with an
    optional ``"name": str``. Option ``last_roles`` (default null: any) lists the roles the last
    turn may have, e.g. ``["user"]`` when the expert writes the next assistant turn.
``trajectory``
    A list of steps. A step is an object with a required ``action`` (a non-empty string, or a tool
    call ``{"tool": str, "arguments": {...}}`` whose ``arguments`` object is optional) and optional
    string ``observation`` (what the agent saw before acting), ``thought`` and ``result`` (what the
    action returned). No other keys.
``list``
    A list of items, each a non-empty string (its own id) or an object ``{"id": str, "text": str}``
    (other keys are kept and not shown). Ids are unique within the list. Options ``min_items``
    (default 1), ``max_items`` (default null: no limit) and ``format`` (``"text"`` or
    ``"markdown"``, how items are shown). A list a ranking question ranks needs at least two items.

Questions
---------
Every question has ``name`` (an identifier, unique among questions), ``kind``, and optionally
``label``, ``help`` and ``required`` (default true). Answers are an object keyed by question name;
an unknown name is refused, and an unanswered question (absent, null, blank, empty) is refused when
required and comes back as null otherwise. Numbers may arrive as ``3``, ``3.0`` or ``"3"`` (as an
HTML form sends them) and come back as integers. Comments and justifications hold at most 20,000
characters.

``free_text``
    Options ``min_length`` (default 0), ``max_length`` (default 20,000) and ``format`` (``"text"``
    or ``"markdown"``). The answer is a string; its length is counted without surrounding space.
``single_choice``
    ``options``: at least two of ``{"value": str, "label": str}`` (a bare string is both), values
    and labels distinct. The answer is one value.
``multiple_choice``
    ``options`` as above, ``min_selected`` (default 1) and ``max_selected`` (default null: all).
    The answer is a list of distinct values, normalized to the order of the options; an empty
    list is an answer only when ``min_selected`` is 0.
``rating``
    ``min`` and ``max`` (integers, min < max, at most 101 points), ``step`` (default 1, dividing
    the range) and ``labels`` (``{"1": "Poor", "5": "Excellent"}`` for some points). The answer is
    an integer on the scale.
``ranking``
    Either ``items_field`` (a required ``list`` field of the task data) or a fixed ``items`` list
    (same item format), and ``allow_ties`` (default false). The answer orders every item id, best
    first: a list of ids, or with ties a list of tiers, each an id or a list of tied ids (normalized
    to a list of lists).
``pairwise``
    ``a_field`` and ``b_field``: two different required fields of kind text, markdown, chat, code or
    image_url. ``allow_tie`` (default false), ``strength_scale`` (2 to 5, default 3),
    ``strength_labels`` (one per strength, weakest first; defaults such as "slightly better",
    "clearly better", "much better") and ``min_justification_length`` (default 20; 0 makes the
    justification optional). The answer is ``{"choice": "a"|"b"|"tie", "strength": 1..scale,
    "justification": str}``; a tie has no strength (normalized to null).
``rubric``
    ``criteria``: a list of ``{"name", "label"?, "description", "scale": {"min", "max", "labels"?},
    "comment_below"?: int}``. A question-level ``scale`` and ``comment_below`` serve as defaults for
    criteria that leave them out (the normalized copy writes them into each criterion). The answer
    is ``{criterion: {"score": int, "comment": str}}`` for every criterion; a comment is required
    when the score is below the criterion's ``comment_below``.
``step_grading``
    ``trajectory_field`` (a required trajectory field), ``step_options`` (default correct,
    partially_correct, incorrect, unnecessary; same format as choice options, and the first option
    is the one that needs no comment), ``comment_required_unless_correct`` (default true) and
    ``overall_scale`` (default null; a ``{"min", "max", "labels"?}`` scale for an overall rating).
    The answer is ``{"steps": [{"rating": value, "comment": str}, ...], "overall": int|null}``
    with one grade per step (a bare list of grades is accepted when there is no overall rating).

Errors
------
Problems are reported as ``{path: [reasons]}``. Template paths look like
``questions[2].options[0].value``; task data paths like ``conversation[3].role``; answer paths
are the question name, ``question.key`` for a part (``quality.accuracy``, ``preference.choice``)
and ``question[i]`` for a step of a step grading (counted from 0).

Gold answers
------------
A control task's gold answer has the shape of the answers, for only the questions it checks (at
least one). Free-text questions cannot be gold: there is nothing to compare exactly. The free-text
parts of structured answers (pairwise justification, rubric and step comments) are dropped, and a
pairwise strength, a rubric's criteria and a step grading's overall rating may be left out.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from marketplace.errors import ValidationFailed

__all__ = [
    "CHAT_ROLES",
    "COMPARABLE_FIELD_KINDS",
    "DEFAULT_STEP_OPTIONS",
    "DEFAULT_STRENGTH_LABELS",
    "FIELD_KINDS",
    "LOCAL_HOSTS",
    "QUESTION_KINDS",
    "TRAJECTORY_STEP_KEYS",
    "AnswersValidator",
    "TaskDataValidator",
    "answers_validate",
    "gold_validate",
    "items_normalize",
    "task_data_validate",
    "template_validate",
]

FIELD_KINDS = ("text", "markdown", "chat", "code", "image_url", "trajectory", "list")
QUESTION_KINDS = (
    "free_text",
    "single_choice",
    "multiple_choice",
    "rating",
    "ranking",
    "pairwise",
    "rubric",
    "step_grading",
)
CHAT_ROLES = ("system", "user", "assistant", "tool")
TRAJECTORY_STEP_KEYS = ("observation", "thought", "action", "result")
COMPARABLE_FIELD_KINDS = ("text", "markdown", "chat", "code", "image_url")
TEXT_FORMATS = ("text", "markdown")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_STEP_OPTIONS = (
    {"value": "correct", "label": "Correct"},
    {"value": "partially_correct", "label": "Partially correct"},
    {"value": "incorrect", "label": "Incorrect"},
    {"value": "unnecessary", "label": "Unnecessary"},
)
DEFAULT_STRENGTH_LABELS = {
    2: ("Slightly better", "Much better"),
    3: ("Slightly better", "Clearly better", "Much better"),
    4: ("Slightly better", "Somewhat better", "Clearly better", "Much better"),
    5: ("Marginally better", "Slightly better", "Somewhat better", "Clearly better", "Much better"),
}

MAX_NAME_LENGTH = 64
MAX_LABEL_LENGTH = 200
MAX_HELP_LENGTH = 5_000
MAX_FIELDS = 100
MAX_QUESTIONS = 100
MAX_OPTIONS = 100
MAX_CRITERIA = 50
MAX_SCALE_POINTS = 101
SCALE_LIMIT = 1_000
DEFAULT_MAX_LENGTH = 20_000
MAX_TEXT_ANSWER_LENGTH = 200_000
MAX_COMMENT_LENGTH = 20_000
MAX_URL_LENGTH = 2_048
MAX_LANGUAGE_LENGTH = 32

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LANGUAGE = re.compile(r"[a-z0-9][a-z0-9_+#.-]*\Z")
_INTEGER = re.compile(r"-?[0-9]{1,18}\Z")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")

_COMMON_KEYS = ("name", "kind", "label", "help", "required")
_FIELD_OPTIONS = {
    "text": (),
    "markdown": (),
    "code": ("language",),
    "image_url": (),
    "chat": ("last_roles",),
    "trajectory": (),
    "list": ("min_items", "max_items", "format"),
}
_QUESTION_OPTIONS = {
    "free_text": ("min_length", "max_length", "format"),
    "single_choice": ("options",),
    "multiple_choice": ("options", "min_selected", "max_selected"),
    "rating": ("min", "max", "step", "labels"),
    "ranking": ("items_field", "items", "allow_ties"),
    "pairwise": ("a_field", "b_field", "allow_tie", "strength_scale", "strength_labels", "min_justification_length"),
    "rubric": ("criteria", "scale", "comment_below"),
    "step_grading": ("trajectory_field", "step_options", "comment_required_unless_correct", "overall_scale"),
}
_TURN_KEYS = frozenset({"role", "content", "name"})
_STEP_KEYS = frozenset(TRAJECTORY_STEP_KEYS)
_TOOL_CALL_KEYS = frozenset({"tool", "arguments"})
_SCALE_WHAT = "a scale (min, max, labels)"


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


class _Problems:
    """``{path: [reasons]}`` in the order problems were found."""

    __slots__ = ("details",)

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, reason: str) -> None:
        self.details.setdefault(path, []).append(reason)

    def raise_if_any(self, subject: str, separator: str = " ") -> None:
        if not self.details:
            return
        path, reasons = next(iter(self.details.items()))
        count = sum(len(reasons) for reasons in self.details.values())
        more = f" (and {_plural(count - 1, 'more problem')})" if count > 1 else ""
        raise ValidationFailed(f"{subject}: {path}{separator}{reasons[0]}{more}.", details=self.details)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _or(items: Iterable[Any]) -> str:
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _quote(value: Any, limit: int = 40) -> str:
    text = str(value)
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _quote_some(values: Iterable[Any], limit: int = 5) -> str:
    values = list(values)
    shown = ", ".join(_quote(value) for value in values[:limit])
    return f"{shown} and {len(values) - limit} more" if len(values) > limit else shown


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _humanize(name: str | None) -> str:
    return (name or "").replace("_", " ").strip().capitalize()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _is_blank(value: Any) -> bool:
    """An unanswered or absent value: null, a blank string, an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return (isinstance(value, list | dict)) and not value


def _as_int(value: Any) -> int | None:
    """An integer from an answer: ``3``, ``3.0`` or ``"3"`` (as an HTML form sends it); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    return None


class _Scale:
    """An integer scale: ``low`` to ``high`` in steps of ``step``."""

    __slots__ = ("high", "low", "step")

    def __init__(self, low: int, high: int, step: int = 1):
        self.low, self.high, self.step = low, high, step

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> "_Scale":
        return cls(spec["min"], spec["max"], spec.get("step", 1))

    def __contains__(self, value: int) -> bool:
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    def describe(self) -> str:
        steps = f" in steps of {self.step}" if self.step != 1 else ""
        return f"from {self.low} to {self.high}{steps}"


# ---------------------------------------------------------------------------------------------
# Task data: one checker per field kind, built once per template
# ---------------------------------------------------------------------------------------------

_Check = Callable[[str, Any, list], None]


def _string_check(path: str, value: Any, problems: list) -> None:
    if not isinstance(value, str):
        problems.append((path, "must be a string"))


def _image_url_check(path: str, value: Any, problems: list) -> None:
    if not isinstance(value, str):
        problems.append((path, "must be a string"))
        return
    if len(value) > MAX_URL_LENGTH:
        problems.append((path, f"must be at most {MAX_URL_LENGTH} characters"))
        return
    if _URL_FORBIDDEN.search(value):
        problems.append((path, "must not contain spaces or control characters"))
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        problems.append((path, "is not a valid URL"))
        return
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return
    if scheme == "http" and host in LOCAL_HOSTS:
        return
    if scheme == "http" and host:
        problems.append((path, "must use https (http is accepted only for localhost)"))
    else:
        problems.append((path, "must be an https URL"))


def _chat_check_for(last_roles: list[str] | None) -> _Check:
    last_reason = f"must end with a {_or(last_roles)} turn" if last_roles else ""

    def check(path: str, value: Any, problems: list) -> None:
        if not isinstance(value, list):
            problems.append((path, "must be a list of turns"))
            return
        for index, turn in enumerate(value):
            if not isinstance(turn, dict):
                problems.append((f"{path}[{index}]", "must be an object with role and content"))
                continue
            role = turn.get("role")
            if not isinstance(role, str) or role not in CHAT_ROLES:
                reason = "is required" if role is None else f"must be {_or(CHAT_ROLES)}"
                problems.append((f"{path}[{index}].role", reason))
            content = turn.get("content")
            if not isinstance(content, str):
                reason = "is required" if content is None else "must be a string"
                problems.append((f"{path}[{index}].content", reason))
            if len(turn) > 2:
                name = turn.get("name")
                if name is not None and not isinstance(name, str):
                    problems.append((f"{path}[{index}].name", "must be a string"))
                for key in turn:
                    if key not in _TURN_KEYS:
                        problems.append((f"{path}[{index}].{key}", "is not part of a turn (role, content, name)"))
        if last_roles and value:
            last = value[-1]
            if isinstance(last, dict) and last.get("role") not in last_roles:
                problems.append((path, last_reason))

    return check


def _trajectory_check(path: str, value: Any, problems: list) -> None:
    if not isinstance(value, list):
        problems.append((path, "must be a list of steps"))
        return
    for index, step in enumerate(value):
        if not isinstance(step, dict):
            problems.append((f"{path}[{index}]", "must be an object with an action"))
            continue
        action = step.get("action")
        if isinstance(action, str):
            if not action.strip():
                problems.append((f"{path}[{index}].action", "is required"))
        elif isinstance(action, dict):
            tool = action.get("tool")
            if not isinstance(tool, str) or not tool.strip():
                reason = "is required" if tool is None else "must be a non-empty string"
                problems.append((f"{path}[{index}].action.tool", reason))
            arguments = action.get("arguments")
            if arguments is not None and not isinstance(arguments, dict):
                problems.append((f"{path}[{index}].action.arguments", "must be an object"))
            for key in action:
                if key not in _TOOL_CALL_KEYS:
                    problems.append((f"{path}[{index}].action.{key}", "is not part of a tool call (tool, arguments)"))
        elif action is None:
            problems.append((f"{path}[{index}].action", "is required"))
        else:
            problems.append((f"{path}[{index}].action", "must be a string or a tool call {tool, arguments}"))
        for key, item in step.items():
            if key == "action":
                continue
            if key not in _STEP_KEYS:
                problems.append(
                    (f"{path}[{index}].{key}", "is not part of a step (observation, thought, action, result)")
                )
            elif item is not None and not isinstance(item, str):
                problems.append((f"{path}[{index}].{key}", "must be a string"))


def _list_check_for(min_items: int, max_items: int | None) -> _Check:
    def check(path: str, value: Any, problems: list) -> None:
        if not isinstance(value, list):
            problems.append((path, "must be a list of items"))
            return
        seen = set()
        for index, item in enumerate(value):
            if isinstance(item, str):
                if not item.strip():
                    problems.append((f"{path}[{index}]", "must not be blank"))
                    continue
                item_id, id_path = item, f"{path}[{index}]"
            elif isinstance(item, dict):
                item_id, id_path = item.get("id"), f"{path}[{index}].id"
                if not isinstance(item_id, str) or not item_id.strip():
                    problems.append((id_path, "is required" if item_id is None else "must be a non-empty string"))
                    item_id = None
                text = item.get("text")
                if not isinstance(text, str):
                    problems.append((f"{path}[{index}].text", "is required" if text is None else "must be a string"))
            else:
                problems.append((f"{path}[{index}]", "must be a string or an object with id and text"))
                continue
            if item_id is not None:
                if item_id in seen:
                    problems.append((id_path, f"repeats the id {_quote(item_id)}"))
                seen.add(item_id)
        if len(value) < min_items:
            problems.append((path, f"needs at least {_plural(min_items, 'item')}"))
        elif max_items is not None and len(value) > max_items:
            problems.append((path, f"has more than {_plural(max_items, 'item')}"))

    return check


def _data_check_for(field: Mapping[str, Any], min_items: int) -> _Check:
    kind = field["kind"]
    if kind in ("text", "markdown", "code"):
        return _string_check
    if kind == "image_url":
        return _image_url_check
    if kind == "chat":
        return _chat_check_for(field["last_roles"])
    if kind == "trajectory":
        return _trajectory_check
    return _list_check_for(max(min_items, field["min_items"]), field["max_items"])


def items_normalize(value: Any) -> list[dict[str, str]] | None:
    """The items of a list (task data or a ranking's fixed items) as ``[{"id", "text"}]``, or None
    when the value is not a well-formed list of items."""
    if not isinstance(value, list):
        return None
    items, seen = [], set()
    for item in value:
        if isinstance(item, str) and item.strip():
            item_id, text = item, item
        elif isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("text"), str):
            item_id, text = item["id"], item["text"]
            if not item_id.strip():
                return None
        else:
            return None
        if item_id in seen:
            return None
        seen.add(item_id)
        items.append({"id": item_id, "text": text})
    return items


# ---------------------------------------------------------------------------------------------
# Reading a template
# ---------------------------------------------------------------------------------------------


class _Reader:
    """Reads the options of one object of a template, noting each problem under the object's path."""

    __slots__ = ("path", "problems", "raw")

    def __init__(self, raw: Mapping[str, Any], path: str, problems: _Problems):
        self.raw, self.path, self.problems = raw, path, problems

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def add(self, key: str, reason: str) -> None:
        self.problems.add(self.at(key), reason)

    def unknown(self, allowed: Iterable[str], what: str) -> None:
        allowed = set(allowed)
        for key in self.raw:
            if key not in allowed:
                self.add(str(key), f"is not an option of {what}")

    def identifier(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            self.add(key, "is required")
        elif not isinstance(value, str) or not _IDENTIFIER.match(value) or len(value) > MAX_NAME_LENGTH:
            self.add(
                key,
                "must be an identifier: a letter or underscore followed by letters, digits or underscores "
                f"(at most {MAX_NAME_LENGTH} characters)",
            )
        else:
            return value
        return None

    def text(self, key: str, *, default: str | None = "", required: bool = False, max_length: int = MAX_LABEL_LENGTH):
        value = self.raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.add(key, "is required")
                return None
            return default
        if not isinstance(value, str):
            self.add(key, "must be a string")
            return None
        if len(value) > max_length:
            self.add(key, f"must be at most {max_length} characters")
            return None
        return value

    def integer(
        self,
        key: str,
        *,
        default: int | None = None,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.add(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, "must be a whole number")
        elif minimum is not None and value < minimum:
            self.add(key, f"must be at least {minimum}")
        elif maximum is not None and value > maximum:
            self.add(key, f"must be at most {maximum}")
        else:
            return value
        return None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(key, "must be true or false")
            return default
        return value

    def one_of(self, key: str, allowed: tuple[str, ...], default: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in allowed:
            self.add(key, f"must be {_or(allowed)}")
            return None
        return value

    def kind(self, allowed: tuple[str, ...]) -> str | None:
        value = self.raw.get("kind")
        if value is None:
            self.add("kind", "is required")
        elif not isinstance(value, str) or value not in allowed:
            self.add("kind", f"must be one of {_or(allowed)}")
        else:
            return value
        return None

    def child(self, key: str) -> "_Reader | None":
        """A reader for the object under ``key``, or None (with a problem) when it is not an object."""
        value = self.raw.get(key)
        if not isinstance(value, Mapping):
            self.add(key, "is required" if value is None else "must be an object")
            return None
        return _Reader(value, self.at(key), self.problems)


def _labels_read(reader: _Reader, scale: _Scale | None) -> dict[str, str]:
    raw = reader.raw.get("labels")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        reader.add("labels", "must be an object mapping points of the scale to labels")
        return {}
    labels = {}
    for key, label in raw.items():
        path = f"labels.{key}"
        if isinstance(key, int) and not isinstance(key, bool):
            point = key
        elif isinstance(key, str) and _INTEGER.match(key):
            point = int(key)
        else:
            reader.add(path, "must be keyed by a whole number")
            continue
        if scale is not None and point not in scale:
            reader.add(path, f"is not a point of the scale ({scale.describe()})")
        elif not isinstance(label, str) or not label.strip():
            reader.add(path, "must be a non-empty string")
        elif len(label.strip()) > MAX_LABEL_LENGTH:
            reader.add(path, f"must be at most {MAX_LABEL_LENGTH} characters")
        else:
            labels[point] = label.strip()
    return {str(point): labels[point] for point in sorted(labels)}


def _scale_read(reader: _Reader, *, with_step: bool, allowed_what: str | None = None) -> dict[str, Any] | None:
    """``min``, ``max`` (``step``) and ``labels`` of ``reader``'s object; None when they are invalid."""
    if allowed_what:
        reader.unknown(("min", "max", "labels"), allowed_what)
    low = reader.integer("min", required=True, minimum=-SCALE_LIMIT, maximum=SCALE_LIMIT)
    high = reader.integer("max", required=True, minimum=-SCALE_LIMIT, maximum=SCALE_LIMIT)
    step = reader.integer("step", default=1, minimum=1) if with_step else 1
    scale = None
    if low is not None and high is not None and step is not None:
        if low >= high:
            reader.add("max", f"must be greater than min ({low})")
        elif (high - low) % step:
            reader.add("step", f"must divide the range from {low} to {high} evenly")
        elif (high - low) // step + 1 > MAX_SCALE_POINTS:
            reader.add("max", f"makes a scale of more than {MAX_SCALE_POINTS} points")
        else:
            scale = _Scale(low, high, step)
    labels = _labels_read(reader, scale)
    if scale is None:
        return None
    spec: dict[str, Any] = {"min": low, "max": high}
    if with_step:
        spec["step"] = step
    spec["labels"] = labels
    return spec


def _options_read(reader: _Reader, key: str, default: tuple[dict, ...] | None = None) -> list[dict] | None:
    raw = reader.raw.get(key)
    if raw is None and default is not None:
        return [dict(option) for option in default]
    if raw is None:
        reader.add(key, "is required")
        return None
    if not isinstance(raw, list):
        reader.add(key, "must be a list of options")
        return None
    if len(raw) < 2:
        reader.add(key, "needs at least two options")
        return None
    if len(raw) > MAX_OPTIONS:
        reader.add(key, f"has more than {MAX_OPTIONS} options")
        return None
    options, values, labels, valid = [], set(), set(), True
    for index, item in enumerate(raw):
        path = f"{key}[{index}]"
        if isinstance(item, str):
            value_path = label_path = path
            value = label = item.strip()
            if not value:
                reader.add(path, "must not be blank")
                valid = False
                continue
            if len(value) > MAX_LABEL_LENGTH:
                reader.add(path, f"must be at most {MAX_LABEL_LENGTH} characters")
                valid = False
                continue
        elif isinstance(item, Mapping):
            option = _Reader(item, reader.at(path), reader.problems)
            option.unknown(("value", "label"), "a choice option (value, label)")
            value = option.text("value", required=True)
            label = option.text("label", default=value)
            value_path, label_path = f"{path}.value", f"{path}.label"
            if value is None or label is None:
                valid = False
                continue
        else:
            reader.add(path, "must be a string or an object with value and label")
            valid = False
            continue
        if value in values:
            reader.add(value_path, f"repeats the value {_quote(value)}")
            valid = False
        elif label in labels:
            reader.add(label_path, f"repeats the label {_quote(label)}")
            valid = False
        values.add(value)
        labels.add(label)
        options.append({"value": value, "label": label})
    return options if valid else None


def _field_read(raw: Any, path: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "must be an object with a name and a kind")
        return None
    reader = _Reader(raw, path, problems)
    name = reader.identifier("name")
    kind = reader.kind(FIELD_KINDS)
    field = {
        "name": name,
        "kind": kind,
        "label": reader.text("label", default=_humanize(name)),
        "help": reader.text("help", max_length=MAX_HELP_LENGTH),
        "required": reader.boolean("required", True),
    }
    if kind is None:
        return None
    reader.unknown(_COMMON_KEYS + _FIELD_OPTIONS[kind], f"{_article(kind)} {kind} field")
    if kind == "code":
        language = reader.raw.get("language")
        if language is None or (isinstance(language, str) and not language.strip()):
            field["language"] = "plaintext"
        elif (
            not isinstance(language, str)
            or len(language) > MAX_LANGUAGE_LENGTH
            or not _LANGUAGE.match(language.strip().lower())
        ):
            reader.add("language", "must be a language name such as python, typescript or c++")
        else:
            field["language"] = language.strip().lower()
    elif kind == "chat":
        roles = reader.raw.get("last_roles")
        if roles is None:
            field["last_roles"] = None
        elif (
            not isinstance(roles, list)
            or not roles
            or not all(isinstance(role, str) and role in CHAT_ROLES for role in roles)
            or len(set(roles)) != len(roles)
        ):
            reader.add("last_roles", f"must be null or a list of distinct roles among {_or(CHAT_ROLES)}")
        else:
            field["last_roles"] = [role for role in CHAT_ROLES if role in roles]
    elif kind == "list":
        field["min_items"] = reader.integer("min_items", default=1, minimum=1, maximum=MAX_OPTIONS)
        field["max_items"] = reader.integer("max_items", minimum=1)
        field["format"] = reader.one_of("format", TEXT_FORMATS, "text")
        low, high = field["min_items"], field["max_items"]
        if low is not None and high is not None and high < low:
            reader.add("max_items", f"must be at least min_items ({low})")
    return field if name is not None else None


def _reference(reader: _Reader, key: str, fields: Mapping[str, dict | None], kinds: tuple[str, ...]) -> str | None:
    """The name of the field ``reader[key]`` names, checked to exist, be required and be of ``kinds``."""
    name = reader.raw.get(key)
    if name is None:
        reader.add(key, "is required")
        return None
    if not isinstance(name, str):
        reader.add(key, "must be the name of a field")
        return None
    if name in fields and fields[name] is None:
        return None  # the field itself is invalid, and that problem is already reported
    field = fields.get(name)
    if field is None:
        known = _or(fields) if fields else "none"
        reader.add(key, f"names no field of this template (fields: {known})")
    elif field["kind"] not in kinds:
        kinds_text = _or(kinds)
        reader.add(key, f"names a {field['kind']} field; it must name a {kinds_text} field")
    elif not field["required"]:
        reader.add(key, f"names the optional field {_quote(name)}; that field must be required")
    else:
        return name
    return None


def _question_read(raw: Any, path: str, problems: _Problems, fields: Mapping[str, dict]) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "must be an object with a name and a kind")
        return None
    reader = _Reader(raw, path, problems)
    name = reader.identifier("name")
    kind = reader.kind(QUESTION_KINDS)
    question: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "label": reader.text("label", default=_humanize(name)),
        "help": reader.text("help", max_length=MAX_HELP_LENGTH),
        "required": reader.boolean("required", True),
    }
    if kind is None:
        return None
    reader.unknown(_COMMON_KEYS + _QUESTION_OPTIONS[kind], f"{_article(kind)} {kind} question")
    read = _QUESTION_READERS[kind]
    if not read(reader, question, fields):
        return None
    return question if name is not None else None


def _free_text_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    low = reader.integer("min_length", default=0, minimum=0, maximum=MAX_TEXT_ANSWER_LENGTH)
    high = reader.integer("max_length", default=DEFAULT_MAX_LENGTH, minimum=1, maximum=MAX_TEXT_ANSWER_LENGTH)
    question.update(min_length=low, max_length=high, format=reader.one_of("format", TEXT_FORMATS, "text"))
    if low is not None and high is not None and low > high:
        reader.add("max_length", f"must be at least min_length ({low})")
        return False
    return None not in (low, high, question["format"])


def _single_choice_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    question["options"] = _options_read(reader, "options")
    return question["options"] is not None


def _multiple_choice_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    options = _options_read(reader, "options")
    low = reader.integer("min_selected", default=1, minimum=0)
    high = reader.integer("max_selected", minimum=1)
    question.update(options=options, min_selected=low, max_selected=high)
    if options is None or low is None or (reader.raw.get("max_selected") is not None and high is None):
        return False
    count = len(options)
    valid = True
    if low > count:
        reader.add("min_selected", f"must be at most the number of options ({count})")
        valid = False
    if high is not None and high > count:
        reader.add("max_selected", f"must be at most the number of options ({count})")
        valid = False
    if high is not None and high < low:
        reader.add("max_selected", f"must be at least min_selected ({low})")
        valid = False
    return valid


def _rating_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    scale = _scale_read(reader, with_step=True)
    if scale is None:
        return False
    question.update(scale)
    return True


def _ranking_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    has_field, has_items = reader.raw.get("items_field") is not None, reader.raw.get("items") is not None
    question["items_field"] = question["items"] = None
    question["allow_ties"] = reader.boolean("allow_ties", False)
    if has_field == has_items:
        reader.add("items_field", "give either items_field (a list field of the task) or a fixed items list")
        return False
    if has_field:
        name = _reference(reader, "items_field", fields, ("list",))
        if name is None:
            return False
        maximum = fields[name]["max_items"]
        if maximum is not None and maximum < 2:
            reader.add("items_field", f"names a list of at most {maximum} item; ranking needs at least two")
            return False
        question["items_field"] = name
        return True
    raw, problems = reader.raw["items"], []
    _list_check_for(2, MAX_OPTIONS)(reader.at("items"), raw, problems)
    for path, reason in problems:
        reader.problems.add(path, reason)
    if problems:
        return False
    question["items"] = items_normalize(raw)
    return True


def _pairwise_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    a_field = _reference(reader, "a_field", fields, COMPARABLE_FIELD_KINDS)
    b_field = _reference(reader, "b_field", fields, COMPARABLE_FIELD_KINDS)
    scale = reader.integer("strength_scale", default=3, minimum=2, maximum=5)
    question.update(
        a_field=a_field,
        b_field=b_field,
        allow_tie=reader.boolean("allow_tie", False),
        strength_scale=scale,
        strength_labels=None,
        min_justification_length=reader.integer(
            "min_justification_length", default=20, minimum=0, maximum=MAX_COMMENT_LENGTH
        ),
    )
    valid = None not in (a_field, b_field, scale, question["min_justification_length"])
    if a_field is not None and a_field == b_field:
        reader.add("b_field", "must name a different field from a_field")
        valid = False
    labels = reader.raw.get("strength_labels")
    if labels is None:
        if scale is not None:
            question["strength_labels"] = list(DEFAULT_STRENGTH_LABELS[scale])
    elif (
        not isinstance(labels, list)
        or not all(isinstance(label, str) and label.strip() for label in labels)
        or any(len(label) > MAX_LABEL_LENGTH for label in labels)
    ):
        reader.add("strength_labels", "must be a list of non-empty labels, weakest first")
        valid = False
    elif len({label.strip() for label in labels}) != len(labels):
        reader.add("strength_labels", "must not repeat a label")
        valid = False
    elif scale is not None and len(labels) != scale:
        reader.add("strength_labels", f"must have one label per strength ({scale}), weakest first")
        valid = False
    else:
        question["strength_labels"] = [label.strip() for label in labels]
    return valid


def _comment_below_read(reader: _Reader, scale: dict | None, default: int | None = None) -> tuple[bool, int | None]:
    if reader.raw.get("comment_below") is None:
        value = default
    else:
        value = reader.integer("comment_below")
        if value is None:
            return False, None
    if value is not None and scale is not None and not scale["min"] < value <= scale["max"]:
        reader.add("comment_below", f"must be between {scale['min'] + 1} and {scale['max']} (the scale's points)")
        return False, None
    return True, value


def _rubric_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    default_scale = None
    valid = True
    if reader.raw.get("scale") is not None:
        scale_reader = reader.child("scale")
        default_scale = scale_reader and _scale_read(scale_reader, with_step=False, allowed_what=_SCALE_WHAT)
        valid = default_scale is not None
    default_below = None
    if reader.raw.get("comment_below") is not None:
        ok, default_below = _comment_below_read(reader, default_scale)
        valid = valid and ok
    raw = reader.raw.get("criteria")
    if raw is None:
        reader.add("criteria", "is required")
        return False
    if not isinstance(raw, list) or not raw:
        reader.add("criteria", "must be a non-empty list of criteria")
        return False
    if len(raw) > MAX_CRITERIA:
        reader.add("criteria", f"has more than {MAX_CRITERIA} criteria")
        return False
    criteria, names = [], {}
    for index, item in enumerate(raw):
        path = reader.at(f"criteria[{index}]")
        if not isinstance(item, Mapping):
            reader.problems.add(path, "must be an object with a name, a description and a scale")
            valid = False
            continue
        criterion_reader = _Reader(item, path, reader.problems)
        criterion_reader.unknown(
            ("name", "label", "description", "scale", "comment_below"),
            "a rubric criterion (name, label, description, scale, comment_below)",
        )
        name = criterion_reader.identifier("name")
        criterion = {
            "name": name,
            "label": criterion_reader.text("label", default=_humanize(name)),
            "description": criterion_reader.text("description", required=True, max_length=MAX_HELP_LENGTH),
        }
        if item.get("scale") is None and default_scale is not None:
            scale = {"min": default_scale["min"], "max": default_scale["max"], "labels": dict(default_scale["labels"])}
        else:
            scale_reader = criterion_reader.child("scale")
            scale = scale_reader and _scale_read(scale_reader, with_step=False, allowed_what=_SCALE_WHAT)
        ok, below = _comment_below_read(criterion_reader, scale, default_below)
        criterion.update(scale=scale, comment_below=below)
        if name is not None and name in names:
            criterion_reader.add("name", f"repeats the name {_quote(name)} of criteria[{names[name]}]")
            ok = False
        elif name is not None:
            names[name] = index
        if not ok or None in (name, criterion["label"], criterion["description"], scale):
            valid = False
        criteria.append(criterion)
    question["criteria"] = criteria
    return valid


def _step_grading_read(reader: _Reader, question: dict, fields: Mapping) -> bool:
    trajectory = _reference(reader, "trajectory_field", fields, ("trajectory",))
    options = _options_read(reader, "step_options", DEFAULT_STEP_OPTIONS)
    overall = None
    valid = trajectory is not None and options is not None
    if reader.raw.get("overall_scale") is not None:
        scale_reader = reader.child("overall_scale")
        overall = scale_reader and _scale_read(scale_reader, with_step=False, allowed_what=_SCALE_WHAT)
        valid = valid and overall is not None
    question.update(
        trajectory_field=trajectory,
        step_options=options,
        comment_required_unless_correct=reader.boolean("comment_required_unless_correct", True),
        overall_scale=overall,
    )
    return valid


_QUESTION_READERS = {
    "free_text": _free_text_read,
    "single_choice": _single_choice_read,
    "multiple_choice": _multiple_choice_read,
    "rating": _rating_read,
    "ranking": _ranking_read,
    "pairwise": _pairwise_read,
    "rubric": _rubric_read,
    "step_grading": _step_grading_read,
}


def _named_list(template: Mapping, key: str, limit: int, problems: _Problems) -> list:
    raw = template.get(key)
    if raw is None:
        if key == "questions":
            problems.add(key, "is required: a template asks at least one question")
        return []
    if not isinstance(raw, list):
        problems.add(key, "must be a list")
        return []
    if len(raw) > limit:
        problems.add(key, f"has more than {limit} entries")
        return []
    return raw


def template_validate(template: Any) -> dict[str, Any]:
    """A normalized copy of ``template`` (every default filled in), or ``ValidationFailed`` whose
    details name the path of each problem, e.g. ``{"questions[2].options": ["needs at least two options"]}``."""
    problems = _Problems()
    if not isinstance(template, Mapping):
        problems.add("template", "must be a JSON object with fields and questions")
        problems.raise_if_any("The template is invalid")
    for key in template:
        if key not in ("fields", "questions"):
            problems.add(str(key), "is not part of a template (fields, questions)")
    fields: dict[str, dict | None] = {}  # None for a field whose own definition is invalid
    field_positions: dict[str, int] = {}
    for index, raw in enumerate(_named_list(template, "fields", MAX_FIELDS, problems)):
        field = _field_read(raw, f"fields[{index}]", problems)
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str) and name in field_positions:
            problems.add(f"fields[{index}].name", f"repeats the name {_quote(name)} of fields[{field_positions[name]}]")
            continue
        if isinstance(name, str):
            field_positions[name] = index
            fields[name] = field
    questions: list[dict] = []
    question_positions: dict[str, int] = {}
    raw_questions = _named_list(template, "questions", MAX_QUESTIONS, problems)
    if isinstance(template.get("questions"), list) and not template["questions"]:
        problems.add("questions", "needs at least one question")
    for index, raw in enumerate(raw_questions):
        question = _question_read(raw, f"questions[{index}]", problems, fields)
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str) and name in question_positions:
            problems.add(
                f"questions[{index}].name", f"repeats the name {_quote(name)} of questions[{question_positions[name]}]"
            )
            continue
        if isinstance(name, str):
            question_positions[name] = index
        if question is not None:
            questions.append(question)
    problems.raise_if_any("The template is invalid")
    return {"fields": [field for field in fields.values() if field is not None], "questions": questions}


# ---------------------------------------------------------------------------------------------
# Task data
# ---------------------------------------------------------------------------------------------


class TaskDataValidator:
    """Checks many rows of task data against one template, fast: the template is validated and
    turned into one checker per field once, here; ``errors`` only walks the data."""

    def __init__(self, template: Mapping[str, Any]):
        self.template = template_validate(template)
        ranked = {q["items_field"] for q in self.template["questions"] if q["kind"] == "ranking" and q["items_field"]}
        self._checks = [
            (field["name"], field["required"], _data_check_for(field, 2 if field["name"] in ranked else 1))
            for field in self.template["fields"]
        ]

    def errors(self, data: Any) -> list[tuple[str, str]]:
        """``(path, reason)`` for each problem with one row's data; empty when it is valid."""
        if not isinstance(data, Mapping):
            return [("data", "must be a JSON object keyed by field name")]
        problems: list[tuple[str, str]] = []
        for name, required, check in self._checks:
            value = data.get(name)
            if value is None or value == "" or value == [] or (isinstance(value, str) and value.isspace()):
                if required:
                    problems.append((name, "is required"))
                continue
            check(name, value, problems)
        return problems


def task_data_validate(template: Mapping[str, Any], data: Any) -> None:
    """Raises ``ValidationFailed`` naming each problem's path when ``data`` does not fit the fields."""
    problems = _Problems()
    for path, reason in TaskDataValidator(template).errors(data):
        problems.add(path, reason)
    problems.raise_if_any("The task data is invalid")


# ---------------------------------------------------------------------------------------------
# Answers: one checker per question kind
# ---------------------------------------------------------------------------------------------

_RANK_EVERY = "rank every item exactly once"


class _Question:
    gold_allowed = True

    def __init__(self, spec: Mapping[str, Any]):
        self.name: str = spec["name"]
        self.required: bool = spec["required"]

    def is_blank(self, value: Any) -> bool:
        return _is_blank(value)

    def answer(self, value: Any, task_data: Any, problems: _Problems) -> Any:
        raise NotImplementedError

    def gold(self, value: Any, task_data: Any, problems: _Problems) -> Any:
        return self.answer(value, task_data, problems)

    def unknown_keys(self, value: Mapping, allowed: Iterable[str], what: str, problems: _Problems) -> None:
        for key in value:
            if key not in allowed:
                problems.add(f"{self.name}.{key}", f"is not part of {what}")


class _FreeText(_Question):
    gold_allowed = False

    def __init__(self, spec):
        super().__init__(spec)
        self.min_length, self.max_length = spec["min_length"], spec["max_length"]

    def answer(self, value, task_data, problems):
        if not isinstance(value, str):
            problems.add(self.name, "answer with text")
            return None
        length = len(value.strip())
        if length < self.min_length:
            problems.add(self.name, f"write at least {_plural(self.min_length, 'character')} (this has {length})")
        elif length > self.max_length:
            problems.add(self.name, f"write at most {_plural(self.max_length, 'character')} (this has {length})")
        return value


class _SingleChoice(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.values = [option["value"] for option in spec["options"]]

    def answer(self, value, task_data, problems):
        if not isinstance(value, str):
            problems.add(self.name, "choose one of the options")
            return None
        if value not in self.values:
            problems.add(self.name, f"{_quote(value)} is not one of the options")
            return None
        return value


class _MultipleChoice(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.values = [option["value"] for option in spec["options"]]
        self.min_selected, self.max_selected = spec["min_selected"], spec["max_selected"]

    def is_blank(self, value):
        if value == []:
            return not self.required and self.min_selected > 0
        return _is_blank(value)

    def answer(self, value, task_data, problems):
        if not isinstance(value, list):
            problems.add(self.name, "choose from the options")
            return None
        chosen = set()
        for item in value:
            if not isinstance(item, str) or item not in self.values:
                problems.add(self.name, f"{_quote(item)} is not one of the options")
                continue
            if item in chosen:
                problems.add(self.name, f"{_quote(item)} is chosen more than once")
            chosen.add(item)
        if len(value) < self.min_selected:
            problems.add(self.name, f"choose at least {_plural(self.min_selected, 'option')}")
        elif self.max_selected is not None and len(value) > self.max_selected:
            problems.add(self.name, f"choose at most {_plural(self.max_selected, 'option')}")
        return [option for option in self.values if option in chosen]


class _Rating(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.scale = _Scale.of(spec)

    def answer(self, value, task_data, problems):
        score = _as_int(value)
        if score is None or score not in self.scale:
            problems.add(self.name, f"choose a rating {self.scale.describe()}")
            return None
        return score


class _Ranking(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.items_field = spec["items_field"]
        self.fixed_ids = [item["id"] for item in spec["items"]] if spec["items"] is not None else None
        self.allow_ties = spec["allow_ties"]

    def item_ids(self, task_data: Any) -> list[str] | None:
        if self.fixed_ids is not None:
            return self.fixed_ids
        if not isinstance(task_data, Mapping):
            return None
        items = items_normalize(task_data.get(self.items_field))
        return [item["id"] for item in items] if items else None

    def tiers(self, value: Any, problems: _Problems) -> list[list[str]] | None:
        if not isinstance(value, list):
            problems.add(self.name, _RANK_EVERY)
            return None
        tiers = []
        for index, entry in enumerate(value):
            if isinstance(entry, str):
                tiers.append([entry])
            elif self.allow_ties and isinstance(entry, list) and entry and all(isinstance(i, str) for i in entry):
                tiers.append(list(entry))
            else:
                expected = "an item id or a non-empty list of tied item ids" if self.allow_ties else "an item id"
                problems.add(f"{self.name}[{index}]", f"must be {expected}")
                return None
        return tiers

    def answer(self, value, task_data, problems):
        ids = self.item_ids(task_data)
        if ids is None:
            problems.add(self.name, "the task has no items to rank; its data is incomplete")
            return None
        tiers = self.tiers(value, problems)
        if tiers is None:
            return None
        ranked = [item for tier in tiers for item in tier]
        known, seen, repeated, unknown = set(ids), set(), [], []
        for item in ranked:
            if item not in known:
                unknown.append(item)
            elif item in seen:
                repeated.append(item)
            seen.add(item)
        missing = [item for item in ids if item not in seen]
        if missing or repeated or unknown:
            parts = []
            if missing:
                parts.append(f"missing {_quote_some(missing)}")
            if repeated:
                parts.append(f"repeated {_quote_some(dict.fromkeys(repeated))}")
            if unknown:
                parts.append(f"not an item: {_quote_some(dict.fromkeys(unknown))}")
            problems.add(self.name, f"{_RANK_EVERY} ({'; '.join(parts)})")
            return None
        return tiers if self.allow_ties else ranked

    def gold(self, value, task_data, problems):
        if task_data is not None or self.fixed_ids is not None:
            return self.answer(value, task_data, problems)
        tiers = self.tiers(value, problems)
        if tiers is None:
            return None
        ranked = [item for tier in tiers for item in tier]
        if len(set(ranked)) != len(ranked) or len(ranked) < 2:
            problems.add(self.name, _RANK_EVERY)
            return None
        return tiers if self.allow_ties else ranked


class _Pairwise(_Question):
    KEYS = ("choice", "strength", "justification")

    def __init__(self, spec):
        super().__init__(spec)
        self.choices = ("a", "b", "tie") if spec["allow_tie"] else ("a", "b")
        self.choice_reason = "choose A, B or a tie" if spec["allow_tie"] else "choose A or B"
        self.strength_scale = spec["strength_scale"]
        self.min_justification = spec["min_justification_length"]

    def parts(self, value: Any, problems: _Problems, *, gold: bool) -> tuple[Any, Any] | None:
        if not isinstance(value, Mapping):
            problems.add(self.name, "answer with an object of choice, strength and justification")
            return None
        self.unknown_keys(value, self.KEYS, "a pairwise answer (choice, strength, justification)", problems)
        choice = value.get("choice")
        if not isinstance(choice, str) or choice not in self.choices:
            problems.add(f"{self.name}.choice", self.choice_reason)
            choice = None
        strength = None
        if choice in ("a", "b") and not (gold and value.get("strength") is None):
            strength = _as_int(value.get("strength"))
            if strength is None or not 1 <= strength <= self.strength_scale:
                problems.add(
                    f"{self.name}.strength", f"choose how strong the preference is, from 1 to {self.strength_scale}"
                )
                strength = None
        return choice, strength

    def answer(self, value, task_data, problems):
        parts = self.parts(value, problems, gold=False)
        if parts is None:
            return None
        justification = value.get("justification")
        if justification is None:
            justification = ""
        if not isinstance(justification, str):
            problems.add(f"{self.name}.justification", "explain your choice in text")
        elif len(justification.strip()) < self.min_justification:
            problems.add(
                f"{self.name}.justification",
                f"explain your choice in at least {_plural(self.min_justification, 'character')}",
            )
        elif len(justification) > MAX_COMMENT_LENGTH:
            problems.add(f"{self.name}.justification", f"keep the justification under {MAX_COMMENT_LENGTH} characters")
        return {"choice": parts[0], "strength": parts[1], "justification": justification}

    def gold(self, value, task_data, problems):
        parts = self.parts(value, problems, gold=True)
        return None if parts is None else {"choice": parts[0], "strength": parts[1]}


class _Rubric(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.criteria = [(c["name"], _Scale.of(c["scale"]), c["comment_below"]) for c in spec["criteria"]]
        self.names = frozenset(name for name, _, _ in self.criteria)

    def score(self, path: str, entry: Any, scale: _Scale, problems: _Problems) -> int | None:
        if not isinstance(entry, Mapping):
            problems.add(path, "give a score (and a comment where needed)")
            return None
        for key in entry:
            if key not in ("score", "comment"):
                problems.add(path, f"{_quote(key)} is not part of a criterion's answer (score, comment)")
        if entry.get("score") is None:
            problems.add(path, "give a score")
            return None
        score = _as_int(entry["score"])
        if score is None or score not in scale:
            problems.add(path, f"choose a score {scale.describe()}")
            return None
        return score

    def check_names(self, value: Any, problems: _Problems) -> bool:
        if not isinstance(value, Mapping):
            problems.add(self.name, "score every criterion")
            return False
        for key in value:
            if key not in self.names:
                problems.add(f"{self.name}.{key}", "is not a criterion of this rubric")
        return True

    def answer(self, value, task_data, problems):
        if not self.check_names(value, problems):
            return None
        result = {}
        for name, scale, below in self.criteria:
            path, entry = f"{self.name}.{name}", value.get(name)
            if entry is None:
                problems.add(path, "give a score")
                continue
            score = self.score(path, entry, scale, problems)
            comment = entry.get("comment") if isinstance(entry, Mapping) else None
            comment = "" if comment is None else comment
            if not isinstance(comment, str):
                problems.add(path, "write the comment as text")
            elif len(comment) > MAX_COMMENT_LENGTH:
                problems.add(path, f"keep the comment under {MAX_COMMENT_LENGTH} characters")
            elif score is not None and below is not None and score < below and not comment.strip():
                problems.add(path, f"a comment is required below {below}")
            result[name] = {"score": score, "comment": comment}
        return result

    def gold(self, value, task_data, problems):
        if not self.check_names(value, problems):
            return None
        result = {}
        for name, scale, _ in self.criteria:
            if value.get(name) is not None:
                result[name] = {"score": self.score(f"{self.name}.{name}", value[name], scale, problems)}
        if not result and all(key in self.names for key in value):
            problems.add(self.name, "give the known score of at least one criterion")
        return result


class _StepGrading(_Question):
    def __init__(self, spec):
        super().__init__(spec)
        self.trajectory_field = spec["trajectory_field"]
        self.values = [option["value"] for option in spec["step_options"]]
        self.labels = {option["value"]: option["label"] for option in spec["step_options"]}
        self.correct = self.values[0]
        self.comment_required = spec["comment_required_unless_correct"]
        self.overall = _Scale.of(spec["overall_scale"]) if spec["overall_scale"] else None

    def step_count(self, task_data: Any) -> int | None:
        steps = task_data.get(self.trajectory_field) if isinstance(task_data, Mapping) else None
        return len(steps) if isinstance(steps, list) and steps else None

    def grades(self, value: Any, count: int | None, problems: _Problems, *, gold: bool) -> dict | None:
        if isinstance(value, list):
            steps, overall = value, None
        elif isinstance(value, Mapping):
            self.unknown_keys(value, ("steps", "overall"), "a step grading (steps, overall)", problems)
            steps, overall = value.get("steps"), value.get("overall")
        else:
            problems.add(self.name, "grade every step")
            return None
        if not isinstance(steps, list) or not steps:
            problems.add(self.name, "grade every step")
            return None
        if count is not None and len(steps) != count:
            problems.add(
                self.name,
                f"grade every step: the trajectory has {_plural(count, 'step')} and "
                f"{len(steps)} {'is' if len(steps) == 1 else 'are'} graded",
            )
        grades = []
        for index, entry in enumerate(steps):
            path = f"{self.name}[{index}]"
            rating = entry.get("rating") if isinstance(entry, Mapping) else None
            if not isinstance(rating, str):
                problems.add(path, "choose a rating")
                grades.append(None)
                continue
            for key in entry:
                if key not in ("rating", "comment"):
                    problems.add(path, f"{_quote(key)} is not part of a step grade (rating, comment)")
            if rating not in self.values:
                problems.add(path, f"{_quote(rating)} is not one of the ratings ({_or(self.values)})")
            comment = entry.get("comment")
            comment = "" if comment is None else comment
            if gold:
                grades.append({"rating": rating})
                continue
            if not isinstance(comment, str):
                problems.add(path, "write the comment as text")
            elif len(comment) > MAX_COMMENT_LENGTH:
                problems.add(path, f"keep the comment under {MAX_COMMENT_LENGTH} characters")
            elif self.comment_required and rating in self.values and rating != self.correct and not comment.strip():
                problems.add(path, f"add a comment explaining why the step is {self.labels[rating].lower()}")
            grades.append({"rating": rating, "comment": comment})
        if self.overall is None:
            if overall is not None:
                problems.add(f"{self.name}.overall", "this question has no overall rating")
        elif overall is None:
            if not gold:
                problems.add(f"{self.name}.overall", "choose an overall rating")
        else:
            overall = _as_int(overall)
            if overall is None or overall not in self.overall:
                problems.add(f"{self.name}.overall", f"choose an overall rating {self.overall.describe()}")
                overall = None
        return {"steps": grades, "overall": overall}

    def answer(self, value, task_data, problems):
        count = self.step_count(task_data)
        if count is None:
            problems.add(self.name, "the task has no trajectory to grade; its data is incomplete")
            return None
        return self.grades(value, count, problems, gold=False)

    def gold(self, value, task_data, problems):
        count = self.step_count(task_data) if task_data is not None else None
        if task_data is not None and count is None:
            problems.add(self.name, "the task has no trajectory to grade; its data is incomplete")
            return None
        return self.grades(value, count, problems, gold=True)


_QUESTION_CHECKERS: dict[str, type[_Question]] = {
    "free_text": _FreeText,
    "single_choice": _SingleChoice,
    "multiple_choice": _MultipleChoice,
    "rating": _Rating,
    "ranking": _Ranking,
    "pairwise": _Pairwise,
    "rubric": _Rubric,
    "step_grading": _StepGrading,
}


class AnswersValidator:
    """Checks answers (and gold answers) against one template's questions; build it once to check many."""

    def __init__(self, template: Mapping[str, Any]):
        self.template = template_validate(template)
        self._questions = {q["name"]: _QUESTION_CHECKERS[q["kind"]](q) for q in self.template["questions"]}

    def _answers(self, answers: Any, task_data: Any, problems: _Problems) -> dict[str, Any]:
        if not isinstance(answers, Mapping):
            problems.add("answers", "send the answers as a JSON object keyed by question name")
            return {}
        for key in answers:
            if key not in self._questions:
                problems.add(str(key), "unknown question")
        result = {}
        for name, question in self._questions.items():
            value = answers.get(name)
            if question.is_blank(value):
                if question.required:
                    problems.add(name, "answer this question")
                result[name] = None
                continue
            result[name] = question.answer(value, task_data, problems)
        return result

    def errors(self, answers: Any, *, task_data: Any) -> list[tuple[str, str]]:
        """``(path, reason)`` for each problem with ``answers``; empty when they are complete and valid."""
        problems = _Problems()
        self._answers(answers, task_data, problems)
        return [(path, reason) for path, reasons in problems.details.items() for reason in reasons]

    def validate(self, answers: Any, *, task_data: Any) -> dict[str, Any]:
        """The normalized answers: every question present (null when an optional one is unanswered)."""
        problems = _Problems()
        result = self._answers(answers, task_data, problems)
        problems.raise_if_any("Some answers need attention", ": ")
        return result

    def gold_validate(self, gold: Any, *, task_data: Any = None) -> dict[str, Any]:
        """The normalized gold answer, holding only the questions it checks. Without ``task_data``,
        rankings of a list field and step gradings are checked for shape but not against the items
        or steps of a particular task."""
        problems = _Problems()
        result: dict[str, Any] = {}
        if not isinstance(gold, Mapping):
            problems.add("gold", "must be a JSON object keyed by question name")
        elif not gold:
            problems.add("gold", "must give the known answer of at least one question")
        else:
            for key, value in gold.items():
                question = self._questions.get(key)
                if question is None:
                    problems.add(str(key), "unknown question")
                elif not question.gold_allowed:
                    problems.add(key, "is a free-text question, which cannot be checked against a known answer")
                elif question.is_blank(value):
                    problems.add(key, "give the known answer or leave the question out")
                else:
                    result[key] = question.gold(value, task_data, problems)
        problems.raise_if_any("The gold answer is invalid")
        return result


def answers_validate(template: Mapping[str, Any], answers: Any, *, task_data: Any) -> dict[str, Any]:
    """An expert's answers, normalized; ``ValidationFailed`` with details per question otherwise."""
    return AnswersValidator(template).validate(answers, task_data=task_data)


def gold_validate(template: Mapping[str, Any], gold: Any, *, task_data: Any = None) -> dict[str, Any]:
    """A control task's known answer, normalized; ``ValidationFailed`` with details per question otherwise."""
    return AnswersValidator(template).gold_validate(gold, task_data=task_data)
