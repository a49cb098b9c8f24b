"""Task templates: the structure and options of fields and questions, and task data against fields.

For scale: ``TaskDataValidator.errors`` checks a preset row in about 1 to 2.5 microseconds on a
laptop (100,000 rows in well under a second); ``bench/`` is where such figures are measured.
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.errors import ValidationFailed
from projects.templates import (
    FIELD_KINDS,
    QUESTION_KINDS,
    TaskDataValidator,
    task_data_validate,
    template_validate,
)

FIELDS = [
    {"name": "prompt", "kind": "markdown"},
    {"name": "response_a", "kind": "text"},
    {"name": "response_b", "kind": "code", "language": "python"},
    {"name": "responses", "kind": "list"},
    {"name": "shortlist", "kind": "list", "max_items": 1},
    {"name": "trajectory", "kind": "trajectory"},
    {"name": "conversation", "kind": "chat"},
    {"name": "image", "kind": "image_url"},
    {"name": "notes", "kind": "text", "required": False},
    {"name": "extras", "kind": "list", "required": False},
]
FIELD_NAMES = "prompt, response_a, response_b, responses, shortlist, trajectory, conversation, image, notes or extras"

VALID_QUESTIONS = {
    "free_text": {"name": "q", "kind": "free_text", "min_length": 10, "max_length": 100, "format": "markdown"},
    "single_choice": {"name": "q", "kind": "single_choice", "options": ["yes", {"value": "no", "label": "No"}]},
    "multiple_choice": {
        "name": "q",
        "kind": "multiple_choice",
        "options": ["a", "b", "c"],
        "min_selected": 0,
        "max_selected": 2,
    },
    "rating": {"name": "q", "kind": "rating", "min": 0, "max": 10, "step": 2, "labels": {"0": "Bad", 10: "Great"}},
    "ranking": {"name": "q", "kind": "ranking", "items_field": "responses", "allow_ties": True},
    "pairwise": {"name": "q", "kind": "pairwise", "a_field": "response_a", "b_field": "response_b"},
    "rubric": {
        "name": "q",
        "kind": "rubric",
        "criteria": [
            {"name": "accuracy", "description": "Correct.", "scale": {"min": 1, "max": 5}, "comment_below": 3},
            {"name": "clarity", "label": "Clear?", "description": "Clear.", "scale": {"min": 0, "max": 2}},
        ],
    },
    "step_grading": {
        "name": "q",
        "kind": "step_grading",
        "trajectory_field": "trajectory",
        "overall_scale": {"min": 1, "max": 5, "labels": {"1": "Lost", "5": "Flawless"}},
    },
}


def _template(*questions, fields=None):
    return {"fields": copy.deepcopy(FIELDS if fields is None else fields), "questions": list(questions)}


def _question(kind: str, options: dict) -> dict:
    return {**copy.deepcopy(VALID_QUESTIONS[kind]), **options}


def _details(template) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        template_validate(template)
    return caught.value.details


# --- valid templates -------------------------------------------------------------------------


def test_every_question_kind_has_a_valid_example():
    assert set(VALID_QUESTIONS) == set(QUESTION_KINDS)


@pytest.mark.parametrize("kind", QUESTION_KINDS)
def test_every_question_kind_is_accepted_in_a_valid_form(kind):
    template = _template(VALID_QUESTIONS[kind])

    normalized = template_validate(template)

    assert [question["kind"] for question in normalized["questions"]] == [kind]
    assert normalized["questions"][0]["required"] is True


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ({"name": "body", "kind": "text"}, {}),
        ({"name": "body", "kind": "markdown"}, {}),
        ({"name": "body", "kind": "code"}, {"language": "plaintext"}),
        ({"name": "body", "kind": "code", "language": " Python "}, {"language": "python"}),
        ({"name": "body", "kind": "code", "language": "c++"}, {"language": "c++"}),
        ({"name": "body", "kind": "image_url"}, {}),
        ({"name": "body", "kind": "chat"}, {"last_roles": None}),
        ({"name": "body", "kind": "chat", "last_roles": ["tool", "user"]}, {"last_roles": ["user", "tool"]}),
        ({"name": "body", "kind": "trajectory"}, {}),
        ({"name": "body", "kind": "list"}, {"min_items": 1, "max_items": None, "format": "text"}),
        (
            {"name": "body", "kind": "list", "min_items": 2, "max_items": 2, "format": "markdown"},
            {"min_items": 2, "max_items": 2, "format": "markdown"},
        ),
    ],
)
def test_every_field_kind_is_accepted_with_its_defaults_filled_in(field, extra):
    template = _template(VALID_QUESTIONS["free_text"], fields=[field])

    normalized = template_validate(template)

    assert normalized["fields"] == [
        {"name": "body", "kind": field["kind"], "label": "Body", "help": "", "required": True, **extra}
    ]


def test_every_field_kind_is_covered():
    covered = {"text", "markdown", "code", "image_url", "chat", "trajectory", "list"}

    assert covered == set(FIELD_KINDS)


def test_labels_default_to_the_name_in_words_and_given_ones_are_kept():
    template = _template(
        {"name": "ideal_response", "kind": "free_text"},
        {"name": "tone", "kind": "free_text", "label": "  Tone of voice ", "help": " Be kind. ", "required": False},
        fields=[{"name": "user_prompt", "kind": "text"}],
    )

    normalized = template_validate(template)

    assert normalized["fields"][0]["label"] == "User prompt"
    assert [(q["label"], q["help"], q["required"]) for q in normalized["questions"]] == [
        ("Ideal response", "", True),
        ("Tone of voice", "Be kind.", False),
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            {"name": "q", "kind": "free_text"},
            {"min_length": 0, "max_length": 20_000, "format": "text"},
        ),
        (
            {"name": "q", "kind": "single_choice", "options": ["yes", {"value": "no"}]},
            {"options": [{"value": "yes", "label": "yes"}, {"value": "no", "label": "no"}]},
        ),
        (
            {"name": "q", "kind": "multiple_choice", "options": ["a", "b"]},
            {
                "options": [{"value": "a", "label": "a"}, {"value": "b", "label": "b"}],
                "min_selected": 1,
                "max_selected": None,
            },
        ),
        (
            {"name": "q", "kind": "rating", "min": 1, "max": 5, "labels": {5: "Top", "1": "Bottom"}},
            {"min": 1, "max": 5, "step": 1, "labels": {"1": "Bottom", "5": "Top"}},
        ),
        (
            {"name": "q", "kind": "ranking", "items_field": "responses"},
            {"items_field": "responses", "items": None, "allow_ties": False},
        ),
        (
            {"name": "q", "kind": "ranking", "items": ["x", {"id": "y", "text": "Why", "source": "m1"}]},
            {"items_field": None, "items": [{"id": "x", "text": "x"}, {"id": "y", "text": "Why"}], "allow_ties": False},
        ),
        (
            {"name": "q", "kind": "pairwise", "a_field": "response_a", "b_field": "prompt", "strength_scale": 4},
            {
                "a_field": "response_a",
                "b_field": "prompt",
                "allow_tie": False,
                "strength_scale": 4,
                "strength_labels": ["Slightly better", "Somewhat better", "Clearly better", "Much better"],
                "min_justification_length": 20,
            },
        ),
        (
            {
                "name": "q",
                "kind": "rubric",
                "scale": {"min": 1, "max": 4, "labels": {"1": "Poor"}},
                "comment_below": 2,
                "criteria": [
                    {"name": "accuracy", "description": "Correct."},
                    {"name": "depth", "description": "Deep.", "scale": {"min": 0, "max": 9}, "comment_below": 5},
                ],
            },
            {
                "criteria": [
                    {
                        "name": "accuracy",
                        "label": "Accuracy",
                        "description": "Correct.",
                        "scale": {"min": 1, "max": 4, "labels": {"1": "Poor"}},
                        "comment_below": 2,
                    },
                    {
                        "name": "depth",
                        "label": "Depth",
                        "description": "Deep.",
                        "scale": {"min": 0, "max": 9, "labels": {}},
                        "comment_below": 5,
                    },
                ]
            },
        ),
        (
            {"name": "q", "kind": "step_grading", "trajectory_field": "trajectory", "step_options": ["good", "bad"]},
            {
                "trajectory_field": "trajectory",
                "step_options": [{"value": "good", "label": "good"}, {"value": "bad", "label": "bad"}],
                "comment_required_unless_correct": True,
                "overall_scale": None,
            },
        ),
        (
            {"name": "q", "kind": "step_grading", "trajectory_field": "trajectory"},
            {
                "trajectory_field": "trajectory",
                "step_options": [
                    {"value": "correct", "label": "Correct"},
                    {"value": "partially_correct", "label": "Partially correct"},
                    {"value": "incorrect", "label": "Incorrect"},
                    {"value": "unnecessary", "label": "Unnecessary"},
                ],
                "comment_required_unless_correct": True,
                "overall_scale": None,
            },
        ),
    ],
)
def test_question_options_are_normalized_with_defaults_filled_in(question, expected):
    normalized = template_validate(_template(question))

    assert normalized["questions"] == [
        {"name": "q", "kind": question["kind"], "label": "Q", "help": "", "required": True, **expected}
    ]


@pytest.mark.parametrize("kind", QUESTION_KINDS)
def test_validating_a_normalized_template_again_changes_nothing(kind):
    normalized = template_validate(_template(VALID_QUESTIONS[kind]))

    again = template_validate(copy.deepcopy(normalized))

    assert again == normalized


def test_validation_leaves_the_given_template_untouched_and_returns_an_independent_copy():
    template = _template(VALID_QUESTIONS["rubric"], VALID_QUESTIONS["rating"] | {"name": "r"})
    before = copy.deepcopy(template)

    normalized = template_validate(template)
    normalized["questions"][1]["labels"]["0"] = "Changed"
    normalized["questions"][0]["criteria"][0]["scale"]["max"] = 9

    assert template == before


def test_a_template_may_have_no_fields_when_a_question_brings_its_own_items():
    template = {"questions": [{"name": "favourite", "kind": "ranking", "items": ["tea", "coffee"]}]}

    normalized = template_validate(template)

    assert normalized["fields"] == []


# --- invalid templates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("fields and questions", {"template": ["must be a JSON object with fields and questions"]}),
        ([], {"template": ["must be a JSON object with fields and questions"]}),
        ({}, {"questions": ["is required: a template asks at least one question"]}),
        ({"fields": [], "questions": []}, {"questions": ["needs at least one question"]}),
        ({"questions": {"q": {}}}, {"questions": ["must be a list"]}),
        (
            {"fields": "prompt", "questions": [VALID_QUESTIONS["free_text"]]},
            {"fields": ["must be a list"]},
        ),
        (
            {"version": 2, "questions": [VALID_QUESTIONS["free_text"]]},
            {"version": ["is not part of a template (fields, questions)"]},
        ),
        (
            {"questions": [VALID_QUESTIONS["free_text"]] * 101},
            {"questions": ["has more than 100 entries"]},
        ),
        (
            {
                "fields": [{"name": "a", "kind": "text"}, {"name": "a", "kind": "markdown"}],
                "questions": [{"name": "q", "kind": "free_text"}],
            },
            {"fields[1].name": ["repeats the name “a” of fields[0]"]},
        ),
        (
            {"questions": [{"name": "q", "kind": "free_text"}, {"name": "q", "kind": "rating", "min": 1, "max": 3}]},
            {"questions[1].name": ["repeats the name “q” of questions[0]"]},
        ),
    ],
)
def test_a_malformed_template_is_refused_with_the_path_of_each_problem(template, expected):
    assert _details(template) == expected


IDENTIFIER = (
    "must be an identifier: a letter or underscore followed by letters, digits or underscores (at most 64 characters)"
)


@pytest.mark.parametrize(
    ("field", "path", "reason"),
    [
        ("prompt", "fields[0]", "must be an object with a name and a kind"),
        ({"kind": "text"}, "fields[0].name", "is required"),
        ({"name": "2nd", "kind": "text"}, "fields[0].name", IDENTIFIER),
        ({"name": "first-name", "kind": "text"}, "fields[0].name", IDENTIFIER),
        ({"name": "x" * 65, "kind": "text"}, "fields[0].name", IDENTIFIER),
        ({"name": 7, "kind": "text"}, "fields[0].name", IDENTIFIER),
        ({"name": "body"}, "fields[0].kind", "is required"),
        (
            {"name": "body", "kind": "video"},
            "fields[0].kind",
            "must be one of text, markdown, chat, code, image_url, trajectory or list",
        ),
        ({"name": "body", "kind": "text", "label": 3}, "fields[0].label", "must be a string"),
        ({"name": "body", "kind": "text", "label": "x" * 201}, "fields[0].label", "must be at most 200 characters"),
        ({"name": "body", "kind": "text", "help": ["x"]}, "fields[0].help", "must be a string"),
        ({"name": "body", "kind": "text", "required": "no"}, "fields[0].required", "must be true or false"),
        (
            {"name": "body", "kind": "text", "language": "python"},
            "fields[0].language",
            "is not an option of a text field",
        ),
        (
            {"name": "body", "kind": "markdown", "max_length": 9},
            "fields[0].max_length",
            "is not an option of a markdown field",
        ),
        (
            {"name": "body", "kind": "code", "language": "py thon"},
            "fields[0].language",
            "must be a language name such as python, typescript or c++",
        ),
        (
            {"name": "body", "kind": "code", "language": 3},
            "fields[0].language",
            "must be a language name such as python, typescript or c++",
        ),
        (
            {"name": "body", "kind": "chat", "last_roles": ["bot"]},
            "fields[0].last_roles",
            "must be null or a list of distinct roles among system, user, assistant or tool",
        ),
        (
            {"name": "body", "kind": "chat", "last_roles": []},
            "fields[0].last_roles",
            "must be null or a list of distinct roles among system, user, assistant or tool",
        ),
        (
            {"name": "body", "kind": "chat", "last_roles": ["user", "user"]},
            "fields[0].last_roles",
            "must be null or a list of distinct roles among system, user, assistant or tool",
        ),
        (
            {"name": "body", "kind": "chat", "last_roles": "user"},
            "fields[0].last_roles",
            "must be null or a list of distinct roles among system, user, assistant or tool",
        ),
        ({"name": "body", "kind": "list", "min_items": 0}, "fields[0].min_items", "must be at least 1"),
        ({"name": "body", "kind": "list", "min_items": "2"}, "fields[0].min_items", "must be a whole number"),
        ({"name": "body", "kind": "list", "max_items": 0}, "fields[0].max_items", "must be at least 1"),
        (
            {"name": "body", "kind": "list", "min_items": 3, "max_items": 2},
            "fields[0].max_items",
            "must be at least min_items (3)",
        ),
        ({"name": "body", "kind": "list", "format": "html"}, "fields[0].format", "must be text or markdown"),
        ({"name": "body", "kind": "image_url", "alt": "x"}, "fields[0].alt", "is not an option of an image_url field"),
        (
            {"name": "body", "kind": "trajectory", "steps": 3},
            "fields[0].steps",
            "is not an option of a trajectory field",
        ),
    ],
)
def test_an_invalid_field_is_refused_with_its_path(field, path, reason):
    template = _template({"name": "q", "kind": "free_text"}, fields=[field])

    assert _details(template) == {path: [reason]}


FREE = "free_text"
SINGLE = "single_choice"
MULTI = "multiple_choice"
RATING = "rating"
RANKING = "ranking"
PAIRWISE = "pairwise"
RUBRIC = "rubric"
STEPS = "step_grading"
COMPARABLE = "text, markdown, chat, code or image_url"
SCALE_ONLY = "is not an option of a scale (min, max, labels)"
CRITERION = {"name": "accuracy", "description": "Correct.", "scale": {"min": 1, "max": 5}}


@pytest.mark.parametrize(
    ("kind", "options", "path", "reason"),
    [
        # Options every question has.
        (FREE, {"name": None}, "name", "is required"),
        (FREE, {"name": "1st"}, "name", IDENTIFIER),
        (FREE, {"name": "a b"}, "name", IDENTIFIER),
        (FREE, {"kind": None}, "kind", "is required"),
        (
            FREE,
            {"kind": "essay"},
            "kind",
            "must be one of free_text, single_choice, multiple_choice, rating, ranking, pairwise, rubric "
            "or step_grading",
        ),
        (FREE, {"label": 5}, "label", "must be a string"),
        (FREE, {"label": "x" * 201}, "label", "must be at most 200 characters"),
        (FREE, {"help": "x" * 5001}, "help", "must be at most 5000 characters"),
        (FREE, {"required": "yes"}, "required", "must be true or false"),
        (FREE, {"required": 1}, "required", "must be true or false"),
        # free_text
        (FREE, {"min_length": -1}, "min_length", "must be at least 0"),
        (FREE, {"min_length": "5"}, "min_length", "must be a whole number"),
        (FREE, {"min_length": True}, "min_length", "must be a whole number"),
        (FREE, {"min_length": 2.5}, "min_length", "must be a whole number"),
        (FREE, {"max_length": 0}, "max_length", "must be at least 1"),
        (FREE, {"max_length": 10**7}, "max_length", "must be at most 200000"),
        (FREE, {"min_length": 50, "max_length": 20}, "max_length", "must be at least min_length (50)"),
        (FREE, {"format": "html"}, "format", "must be text or markdown"),
        (FREE, {"min_lenght": 5}, "min_lenght", "is not an option of a free_text question"),
        (FREE, {"options": ["a", "b"]}, "options", "is not an option of a free_text question"),
        # single_choice (the same reader serves multiple_choice and step options)
        (SINGLE, {"options": None}, "options", "is required"),
        (SINGLE, {"options": "yes,no"}, "options", "must be a list of options"),
        (SINGLE, {"options": []}, "options", "needs at least two options"),
        (SINGLE, {"options": ["yes"]}, "options", "needs at least two options"),
        (SINGLE, {"options": [str(i) for i in range(101)]}, "options", "has more than 100 options"),
        (SINGLE, {"options": ["yes", "yes"]}, "options[1]", "repeats the value “yes”"),
        (SINGLE, {"options": ["yes", " yes "]}, "options[1]", "repeats the value “yes”"),
        (
            SINGLE,
            {"options": [{"value": "y", "label": "Yes"}, {"value": "n", "label": "Yes"}]},
            "options[1].label",
            "repeats the label “Yes”",
        ),
        (SINGLE, {"options": [{"value": "y"}, {"label": "No"}]}, "options[1].value", "is required"),
        (SINGLE, {"options": [{"value": "y"}, {"value": 2}]}, "options[1].value", "must be a string"),
        (SINGLE, {"options": ["yes", ""]}, "options[1]", "must not be blank"),
        (SINGLE, {"options": ["yes", "x" * 201]}, "options[1]", "must be at most 200 characters"),
        (SINGLE, {"options": ["yes", 3]}, "options[1]", "must be a string or an object with value and label"),
        (
            SINGLE,
            {"options": [{"value": "y", "colour": "red"}, "n"]},
            "options[0].colour",
            "is not an option of a choice option (value, label)",
        ),
        (SINGLE, {"min_selected": 1}, "min_selected", "is not an option of a single_choice question"),
        # multiple_choice
        (MULTI, {"min_selected": -1}, "min_selected", "must be at least 0"),
        (MULTI, {"min_selected": 4, "max_selected": None}, "min_selected", "must be at most the number of options (3)"),
        (MULTI, {"max_selected": 4}, "max_selected", "must be at most the number of options (3)"),
        (MULTI, {"max_selected": 0}, "max_selected", "must be at least 1"),
        (MULTI, {"min_selected": 2, "max_selected": 1}, "max_selected", "must be at least min_selected (2)"),
        (MULTI, {"options": ["a"]}, "options", "needs at least two options"),
        # rating
        (RATING, {"min": None}, "min", "is required"),
        (RATING, {"max": None}, "max", "is required"),
        (RATING, {"min": 1.5}, "min", "must be a whole number"),
        (RATING, {"min": -1001}, "min", "must be at least -1000"),
        (RATING, {"max": 1001}, "max", "must be at most 1000"),
        (RATING, {"min": 10, "max": 10}, "max", "must be greater than min (10)"),
        (RATING, {"min": 10, "max": 1, "labels": {}}, "max", "must be greater than min (10)"),
        (RATING, {"step": 0}, "step", "must be at least 1"),
        (RATING, {"step": 3}, "step", "must divide the range from 0 to 10 evenly"),
        (RATING, {"max": 500, "step": 1, "labels": {}}, "max", "makes a scale of more than 101 points"),
        (RATING, {"labels": ["Bad", "Good"]}, "labels", "must be an object mapping points of the scale to labels"),
        (RATING, {"labels": {"one": "Bad"}}, "labels.one", "must be keyed by a whole number"),
        (RATING, {"labels": {"12": "Wow"}}, "labels.12", "is not a point of the scale (from 0 to 10 in steps of 2)"),
        (RATING, {"labels": {"3": "Odd"}}, "labels.3", "is not a point of the scale (from 0 to 10 in steps of 2)"),
        (RATING, {"labels": {"4": ""}}, "labels.4", "must be a non-empty string"),
        (RATING, {"labels": {"4": 4}}, "labels.4", "must be a non-empty string"),
        (RATING, {"labels": {"4": "x" * 201}}, "labels.4", "must be at most 200 characters"),
        (RATING, {"options": ["a", "b"]}, "options", "is not an option of a rating question"),
        # ranking
        (
            RANKING,
            {"items_field": None},
            "items_field",
            "give either items_field (a list field of the task) or a fixed items list",
        ),
        (
            RANKING,
            {"items": ["x", "y"]},
            "items_field",
            "give either items_field (a list field of the task) or a fixed items list",
        ),
        (
            RANKING,
            {"items_field": "nothing"},
            "items_field",
            f"names no field of this template (fields: {FIELD_NAMES})",
        ),
        (RANKING, {"items_field": 3}, "items_field", "must be the name of a field"),
        (RANKING, {"items_field": "prompt"}, "items_field", "names a markdown field; it must name a list field"),
        (
            RANKING,
            {"items_field": "extras"},
            "items_field",
            "names the optional field “extras”; that field must be required",
        ),
        (
            RANKING,
            {"items_field": "shortlist"},
            "items_field",
            "names a list of at most 1 item; ranking needs at least two",
        ),
        (RANKING, {"items_field": None, "items": ["x"]}, "items", "needs at least 2 items"),
        (RANKING, {"items_field": None, "items": "x, y"}, "items", "must be a list of items"),
        (RANKING, {"items_field": None, "items": ["x", "x"]}, "items[1]", "repeats the id “x”"),
        (RANKING, {"items_field": None, "items": [{"id": "x"}, "y"]}, "items[0].text", "is required"),
        (RANKING, {"allow_ties": "yes"}, "allow_ties", "must be true or false"),
        (RANKING, {"allow_tie": True}, "allow_tie", "is not an option of a ranking question"),
        # pairwise
        (PAIRWISE, {"a_field": None}, "a_field", "is required"),
        (PAIRWISE, {"b_field": None}, "b_field", "is required"),
        (PAIRWISE, {"b_field": "response_a"}, "b_field", "must name a different field from a_field"),
        (
            PAIRWISE,
            {"a_field": "responses"},
            "a_field",
            f"names a list field; it must name a {COMPARABLE} field",
        ),
        (
            PAIRWISE,
            {"b_field": "trajectory"},
            "b_field",
            f"names a trajectory field; it must name a {COMPARABLE} field",
        ),
        (PAIRWISE, {"a_field": "notes"}, "a_field", "names the optional field “notes”; that field must be required"),
        (PAIRWISE, {"a_field": "missing"}, "a_field", f"names no field of this template (fields: {FIELD_NAMES})"),
        (PAIRWISE, {"allow_tie": 1}, "allow_tie", "must be true or false"),
        (PAIRWISE, {"strength_scale": 1}, "strength_scale", "must be at least 2"),
        (PAIRWISE, {"strength_scale": 6}, "strength_scale", "must be at most 5"),
        (
            PAIRWISE,
            {"strength_labels": ["Better", "Much better"]},
            "strength_labels",
            "must have one label per strength (3), weakest first",
        ),
        (PAIRWISE, {"strength_labels": ["A", "A", "B"]}, "strength_labels", "must not repeat a label"),
        (
            PAIRWISE,
            {"strength_labels": "Better"},
            "strength_labels",
            "must be a list of non-empty labels, weakest first",
        ),
        (
            PAIRWISE,
            {"strength_labels": ["A", "", "B"]},
            "strength_labels",
            "must be a list of non-empty labels, weakest first",
        ),
        (PAIRWISE, {"min_justification_length": -1}, "min_justification_length", "must be at least 0"),
        (
            PAIRWISE,
            {"require_justification": False},
            "require_justification",
            "is not an option of a pairwise question",
        ),
        # rubric
        (RUBRIC, {"criteria": None}, "criteria", "is required"),
        (RUBRIC, {"criteria": []}, "criteria", "must be a non-empty list of criteria"),
        (RUBRIC, {"criteria": {"accuracy": {}}}, "criteria", "must be a non-empty list of criteria"),
        (
            RUBRIC,
            {"criteria": [CRITERION | {"name": f"c{i}"} for i in range(51)]},
            "criteria",
            "has more than 50 criteria",
        ),
        (RUBRIC, {"criteria": ["accuracy"]}, "criteria[0]", "must be an object with a name, a description and a scale"),
        (RUBRIC, {"criteria": [CRITERION | {"name": "a b"}]}, "criteria[0].name", IDENTIFIER),
        (RUBRIC, {"criteria": [{**CRITERION, "description": None}]}, "criteria[0].description", "is required"),
        (RUBRIC, {"criteria": [{**CRITERION, "description": "  "}]}, "criteria[0].description", "is required"),
        (RUBRIC, {"criteria": [{**CRITERION, "scale": None}]}, "criteria[0].scale", "is required"),
        (RUBRIC, {"criteria": [{**CRITERION, "scale": "1-5"}]}, "criteria[0].scale", "must be an object"),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "scale": {"min": 3, "max": 1}}]},
            "criteria[0].scale.max",
            "must be greater than min (3)",
        ),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "scale": {"min": 1, "max": 5, "step": 1}}]},
            "criteria[0].scale.step",
            SCALE_ONLY,
        ),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "comment_below": 1}]},
            "criteria[0].comment_below",
            "must be between 2 and 5 (the scale's points)",
        ),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "comment_below": 6}]},
            "criteria[0].comment_below",
            "must be between 2 and 5 (the scale's points)",
        ),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "comment_below": "3"}]},
            "criteria[0].comment_below",
            "must be a whole number",
        ),
        (
            RUBRIC,
            {"criteria": [CRITERION, CRITERION]},
            "criteria[1].name",
            "repeats the name “accuracy” of criteria[0]",
        ),
        (
            RUBRIC,
            {"criteria": [{**CRITERION, "weight": 2}]},
            "criteria[0].weight",
            "is not an option of a rubric criterion (name, label, description, scale, comment_below)",
        ),
        (RUBRIC, {"scale": "1-5"}, "scale", "must be an object"),
        (RUBRIC, {"scale": {"min": 1, "max": 5, "points": 5}}, "scale.points", SCALE_ONLY),
        (
            RUBRIC,
            {"scale": {"min": 1, "max": 5}, "comment_below": 9},
            "comment_below",
            "must be between 2 and 5 (the scale's points)",
        ),
        # step_grading
        (STEPS, {"trajectory_field": None}, "trajectory_field", "is required"),
        (
            STEPS,
            {"trajectory_field": "conversation"},
            "trajectory_field",
            "names a chat field; it must name a trajectory field",
        ),
        (STEPS, {"step_options": ["ok"]}, "step_options", "needs at least two options"),
        (STEPS, {"step_options": ["ok", "ok"]}, "step_options[1]", "repeats the value “ok”"),
        (STEPS, {"comment_required_unless_correct": "no"}, "comment_required_unless_correct", "must be true or false"),
        (STEPS, {"overall_scale": 5}, "overall_scale", "must be an object"),
        (STEPS, {"overall_scale": {"min": 1}}, "overall_scale.max", "is required"),
        (
            STEPS,
            {"overall_scale": {"min": 1, "max": 5, "labels": {"7": "x"}}},
            "overall_scale.labels.7",
            "is not a point of the scale (from 1 to 5)",
        ),
        (STEPS, {"overall": True}, "overall", "is not an option of a step_grading question"),
    ],
)
def test_an_invalid_question_option_is_refused_with_its_path(kind, options, path, reason):
    question = {key: value for key, value in _question(kind, options).items() if value is not None}
    template = _template(question)

    details = _details(template)

    assert details == {f"questions[0].{path}": [reason]}


def test_a_question_that_is_not_an_object_is_refused():
    assert _details(_template("q")) == {"questions[0]": ["must be an object with a name and a kind"]}


def test_the_message_names_the_first_problem_and_counts_the_rest():
    template = _template(
        {"name": "q", "kind": "single_choice", "options": ["yes"]},
        {"name": "r", "kind": "rating", "min": 5, "max": 1},
        {"name": "s", "kind": "free_text", "min_length": -1},
    )

    with pytest.raises(ValidationFailed) as caught:
        template_validate(template)

    assert caught.value.message == (
        "The template is invalid: questions[0].options needs at least two options (and 2 more problems)."
    )
    assert list(caught.value.details) == ["questions[0].options", "questions[1].max", "questions[2].min_length"]


def test_a_single_problem_is_the_whole_message():
    with pytest.raises(ValidationFailed) as caught:
        template_validate(_template({"name": "q", "kind": "single_choice", "options": ["yes"]}))

    assert caught.value.message == "The template is invalid: questions[0].options needs at least two options."


def test_a_question_referring_to_an_invalid_field_reports_only_the_field():
    fields = [{"name": "responses", "kind": "list", "min_items": 0}]

    details = _details(_template({"name": "q", "kind": "ranking", "items_field": "responses"}, fields=fields))

    assert details == {"fields[0].min_items": ["must be at least 1"]}


def test_every_problem_of_a_template_is_reported_at_once():
    template = {
        "fields": [{"name": "a", "kind": "text"}, {"name": "b", "kind": "code", "language": "!"}],
        "questions": [
            {"name": "p", "kind": "pairwise", "a_field": "a", "b_field": "a"},
            {"name": "m", "kind": "multiple_choice", "options": ["x", "y"], "max_selected": 3},
        ],
    }

    details = _details(template)

    assert details == {
        "fields[1].language": ["must be a language name such as python, typescript or c++"],
        "questions[0].b_field": ["must name a different field from a_field"],
        "questions[1].max_selected": ["must be at most the number of options (2)"],
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 12) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
OPTION_KEYS = sorted(
    {
        "name",
        "kind",
        "label",
        "required",
        "min_length",
        "max_length",
        "format",
        "options",
        "min_selected",
        "max_selected",
        "min",
        "max",
        "step",
        "labels",
        "items_field",
        "items",
        "allow_ties",
        "a_field",
        "b_field",
        "allow_tie",
        "strength_scale",
        "strength_labels",
        "min_justification_length",
        "criteria",
        "scale",
        "comment_below",
        "trajectory_field",
        "step_options",
        "comment_required_unless_correct",
        "overall_scale",
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(QUESTION_KINDS),
    options=st.dictionaries(st.sampled_from(OPTION_KEYS), JSON | st.sampled_from([f["name"] for f in FIELDS])),
)
def test_any_question_either_validates_to_a_fixed_point_or_is_refused_with_details(kind, options):
    template = _template({"name": "q", **options, "kind": kind})

    try:
        normalized = template_validate(template)
    except ValidationFailed as refused:
        assert refused.details
        assert all(path and reasons for path, reasons in refused.details.items())
    else:
        assert template_validate(normalized) == normalized


# --- task data ------------------------------------------------------------------------------

TURN = {"role": "user", "content": "Hello"}
STEP = {"action": "look around"}


def _errors(field: dict, value) -> list[tuple[str, str]]:
    validator = TaskDataValidator(_template({"name": "q", "kind": "free_text"}, fields=[{"name": "f", **field}]))
    return validator.errors({"f": value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ({"kind": "text"}, "plain words"),
        ({"kind": "markdown"}, "# Title\n\n*emphasis*"),
        ({"kind": "code", "language": "python"}, "print('hi')\n"),
        ({"kind": "image_url"}, "https://cdn.example.com/a.png?size=large"),
        ({"kind": "image_url"}, "HTTPS://cdn.example.com/a.png"),
        ({"kind": "image_url"}, "http://localhost:8000/media/a.png"),
        ({"kind": "image_url"}, "http://127.0.0.1/a.png"),
        ({"kind": "image_url"}, "http://[::1]:9000/a.png"),
        ({"kind": "chat"}, [{"role": role, "content": "x"} for role in ("system", "user", "assistant", "tool")]),
        ({"kind": "chat"}, [{"role": "tool", "content": "", "name": "search"}]),
        ({"kind": "chat", "last_roles": ["user", "tool"]}, [TURN, {"role": "tool", "content": "42"}]),
        ({"kind": "trajectory"}, [STEP]),
        (
            {"kind": "trajectory"},
            [
                {
                    "observation": "A login page.",
                    "thought": "Type the user name.",
                    "action": {"tool": "type", "arguments": {"text": "ada"}},
                    "result": "Typed.",
                },
                {"action": {"tool": "submit"}, "result": None},
            ],
        ),
        ({"kind": "list"}, ["Paris"]),
        ({"kind": "list"}, ["Paris", "London"]),
        ({"kind": "list"}, [{"id": "r1", "text": "First", "model": "m-1"}, {"id": "r2", "text": ""}]),
        ({"kind": "list", "min_items": 2, "max_items": 2}, ["a", "b"]),
    ],
)
def test_task_data_of_every_field_kind_is_accepted(field, value):
    assert _errors(field, value) == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ({"kind": "text"}, 3, [("f", "must be a string")]),
        ({"kind": "markdown"}, ["x"], [("f", "must be a string")]),
        ({"kind": "code"}, {"source": "x"}, [("f", "must be a string")]),
        ({"kind": "image_url"}, 7, [("f", "must be a string")]),
        (
            {"kind": "image_url"},
            "http://cdn.example.com/a.png",
            [("f", "must use https (http is accepted only for localhost)")],
        ),
        ({"kind": "image_url"}, "ftp://example.com/a.png", [("f", "must be an https URL")]),
        ({"kind": "image_url"}, "javascript:alert(1)", [("f", "must be an https URL")]),
        ({"kind": "image_url"}, "data:image/png;base64,AAAA", [("f", "must be an https URL")]),
        ({"kind": "image_url"}, "/media/a.png", [("f", "must be an https URL")]),
        ({"kind": "image_url"}, "https:///a.png", [("f", "must be an https URL")]),
        (
            {"kind": "image_url"},
            "https://example.com/a b.png",
            [("f", "must not contain spaces or control characters")],
        ),
        ({"kind": "image_url"}, "https://[::1/a.png", [("f", "is not a valid URL")]),
        ({"kind": "image_url"}, "https://e.com/" + "a" * 2048, [("f", "must be at most 2048 characters")]),
        ({"kind": "chat"}, "user: hi", [("f", "must be a list of turns")]),
        ({"kind": "chat"}, ["hi"], [("f[0]", "must be an object with role and content")]),
        (
            {"kind": "chat"},
            [TURN, {"role": "bot", "content": "x"}],
            [("f[1].role", "must be system, user, assistant or tool")],
        ),
        (
            {"kind": "chat"},
            [{"role": ["user"], "content": "x"}],
            [("f[0].role", "must be system, user, assistant or tool")],
        ),
        ({"kind": "chat"}, [{"content": "x"}], [("f[0].role", "is required")]),
        ({"kind": "chat"}, [{"role": "user"}], [("f[0].content", "is required")]),
        ({"kind": "chat"}, [{"role": "user", "content": ["x"]}], [("f[0].content", "must be a string")]),
        ({"kind": "chat"}, [{**TURN, "name": 3}], [("f[0].name", "must be a string")]),
        (
            {"kind": "chat"},
            [{**TURN, "tool_calls": []}],
            [("f[0].tool_calls", "is not part of a turn (role, content, name)")],
        ),
        (
            {"kind": "chat", "last_roles": ["user"]},
            [TURN, {"role": "assistant", "content": "Hi"}],
            [("f", "must end with a user turn")],
        ),
        (
            {"kind": "chat", "last_roles": ["user", "tool"]},
            [{"role": "assistant", "content": "Hi"}],
            [("f", "must end with a user or tool turn")],
        ),
        ({"kind": "trajectory"}, "step one", [("f", "must be a list of steps")]),
        ({"kind": "trajectory"}, [STEP, 2], [("f[1]", "must be an object with an action")]),
        ({"kind": "trajectory"}, [{}], [("f[0].action", "is required")]),
        ({"kind": "trajectory"}, [{"action": "  "}], [("f[0].action", "is required")]),
        (
            {"kind": "trajectory"},
            [{"action": 3}],
            [("f[0].action", "must be a string or a tool call {tool, arguments}")],
        ),
        ({"kind": "trajectory"}, [{"action": {"arguments": {}}}], [("f[0].action.tool", "is required")]),
        ({"kind": "trajectory"}, [{"action": {"tool": " "}}], [("f[0].action.tool", "must be a non-empty string")]),
        (
            {"kind": "trajectory"},
            [{"action": {"tool": "search", "arguments": "q=1"}}],
            [("f[0].action.arguments", "must be an object")],
        ),
        (
            {"kind": "trajectory"},
            [{"action": {"tool": "search", "id": "call_1"}}],
            [("f[0].action.id", "is not part of a tool call (tool, arguments)")],
        ),
        (
            {"kind": "trajectory"},
            [{**STEP, "reward": 1}],
            [("f[0].reward", "is not part of a step (observation, thought, action, result)")],
        ),
        ({"kind": "trajectory"}, [{**STEP, "result": 3}], [("f[0].result", "must be a string")]),
        ({"kind": "trajectory"}, [{**STEP, "observation": ["x"]}], [("f[0].observation", "must be a string")]),
        ({"kind": "list"}, "a, b", [("f", "must be a list of items")]),
        ({"kind": "list"}, [1], [("f[0]", "must be a string or an object with id and text")]),
        ({"kind": "list"}, ["a", " "], [("f[1]", "must not be blank")]),
        ({"kind": "list"}, ["a", "a"], [("f[1]", "repeats the id “a”")]),
        (
            {"kind": "list"},
            [{"id": "r1", "text": "x"}, {"id": "r1", "text": "y"}],
            [("f[1].id", "repeats the id “r1”")],
        ),
        ({"kind": "list"}, [{"text": "x"}], [("f[0].id", "is required")]),
        ({"kind": "list"}, [{"id": "", "text": "x"}], [("f[0].id", "must be a non-empty string")]),
        ({"kind": "list"}, [{"id": 1, "text": "x"}], [("f[0].id", "must be a non-empty string")]),
        ({"kind": "list"}, [{"id": "r1"}], [("f[0].text", "is required")]),
        ({"kind": "list"}, [{"id": "r1", "text": 5}], [("f[0].text", "must be a string")]),
        ({"kind": "list", "min_items": 3}, ["a", "b"], [("f", "needs at least 3 items")]),
        ({"kind": "list", "max_items": 2}, ["a", "b", "c"], [("f", "has more than 2 items")]),
    ],
)
def test_invalid_task_data_is_reported_with_its_path(field, value, expected):
    assert _errors(field, value) == expected


@pytest.mark.parametrize("value", [None, "", "   \n", []])
def test_a_missing_required_field_is_reported(value):
    validator = TaskDataValidator(
        _template({"name": "q", "kind": "free_text"}, fields=[{"name": "prompt", "kind": "text"}])
    )

    assert validator.errors({"prompt": value}) == [("prompt", "is required")]
    assert validator.errors({}) == [("prompt", "is required")]


@pytest.mark.parametrize("value", [None, "", []])
def test_a_missing_optional_field_is_fine(value):
    fields = [{"name": "notes", "kind": "chat", "required": False}]
    validator = TaskDataValidator(_template({"name": "q", "kind": "free_text"}, fields=fields))

    assert validator.errors({"notes": value}) == []


@pytest.mark.parametrize("data", [None, "text", ["prompt"], 3])
def test_task_data_that_is_not_an_object_is_reported(data):
    validator = TaskDataValidator(_template(VALID_QUESTIONS["free_text"]))

    assert validator.errors(data) == [("data", "must be a JSON object keyed by field name")]


def test_keys_that_name_no_field_are_allowed_as_the_lab_s_metadata():
    fields = [{"name": "prompt", "kind": "text"}]
    validator = TaskDataValidator(_template({"name": "q", "kind": "free_text"}, fields=fields))

    assert validator.errors({"prompt": "Why?", "source_model": "m-7", "batch": 3}) == []


def test_a_list_that_a_ranking_ranks_needs_two_items_even_when_the_field_allows_one():
    fields = [{"name": "responses", "kind": "list"}, {"name": "sources", "kind": "list"}]
    template = _template({"name": "q", "kind": "ranking", "items_field": "responses"}, fields=fields)
    validator = TaskDataValidator(template)

    errors = validator.errors({"responses": ["only one"], "sources": ["only one"]})

    assert errors == [("responses", "needs at least 2 items")]


def test_every_problem_of_a_row_is_reported_in_field_order():
    validator = TaskDataValidator(_template(VALID_QUESTIONS["pairwise"]))
    data = {
        "prompt": 1,
        "response_a": "A",
        "response_b": None,
        "responses": ["x", "x"],
        "shortlist": ["only"],
        "trajectory": [{"action": "go", "extra": 1}],
        "conversation": [{"role": "user", "content": "hi"}],
        "image": "http://example.com/x.png",
    }

    errors = validator.errors(data)

    assert errors == [
        ("prompt", "must be a string"),
        ("response_b", "is required"),
        ("responses[1]", "repeats the id “x”"),
        ("trajectory[0].extra", "is not part of a step (observation, thought, action, result)"),
        ("image", "must use https (http is accepted only for localhost)"),
    ]


def test_task_data_validate_raises_with_every_problem_in_details():
    template = _template(
        VALID_QUESTIONS["free_text"], fields=[{"name": "a", "kind": "text"}, {"name": "b", "kind": "chat"}]
    )

    with pytest.raises(ValidationFailed) as caught:
        task_data_validate(template, {"b": "hi"})

    assert caught.value.message == "The task data is invalid: a is required (and 1 more problem)."
    assert caught.value.details == {"a": ["is required"], "b": ["must be a list of turns"]}


def test_task_data_validate_accepts_valid_data():
    template = _template(VALID_QUESTIONS["free_text"], fields=[{"name": "a", "kind": "text"}])

    assert task_data_validate(template, {"a": "Why?"}) is None


def test_a_validator_for_an_invalid_template_cannot_be_built():
    with pytest.raises(ValidationFailed) as caught:
        TaskDataValidator({"fields": [{"name": "a", "kind": "text"}], "questions": []})

    assert caught.value.details == {"questions": ["needs at least one question"]}


def test_one_validator_checks_many_rows_independently():
    validator = TaskDataValidator(_template(VALID_QUESTIONS["free_text"], fields=[{"name": "a", "kind": "text"}]))
    rows = [{"a": "fine"}, {"a": 2}, {}, {"a": "also fine"}]

    results = [validator.errors(row) for row in rows]

    assert results == [[], [("a", "must be a string")], [("a", "is required")], []]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from([f["name"] for f in FIELDS] + ["other"]), JSON) | JSON)
def test_any_json_gets_a_list_of_path_and_reason_pairs_never_an_exception(data):
    validator = TaskDataValidator(_template(VALID_QUESTIONS["ranking"]))

    errors = validator.errors(data)

    assert isinstance(errors, list)
    assert all(isinstance(path, str) and isinstance(reason, str) and path and reason for path, reason in errors)
