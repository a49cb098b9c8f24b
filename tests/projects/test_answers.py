"""Answers and gold answers against a template's questions."""

import copy
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.errors import ValidationFailed
from projects.presets import PRESETS
from projects.templates import AnswersValidator, answers_validate, gold_validate, template_validate

FIELDS = [
    {"name": "prompt", "kind": "markdown"},
    {"name": "response_a", "kind": "markdown"},
    {"name": "response_b", "kind": "markdown"},
    {"name": "responses", "kind": "list"},
    {"name": "trajectory", "kind": "trajectory"},
]
DATA = {
    "prompt": "Explain recursion.",
    "response_a": "A function that calls itself on a smaller input until a base case.",
    "response_b": "Recursion is when a thing repeats.",
    "responses": [{"id": "r1", "text": "One"}, {"id": "r2", "text": "Two"}, {"id": "r3", "text": "Three"}],
    "trajectory": [{"action": "open"}, {"action": "read"}, {"action": "answer"}],
}
WHY = "A is precise and names the base case."

QUESTIONS = {
    "free": {"kind": "free_text", "min_length": 5, "max_length": 20},
    "single": {"kind": "single_choice", "options": ["yes", "no", "unsure"]},
    "multi": {"kind": "multiple_choice", "options": ["a", "b", "c", "d"], "min_selected": 1, "max_selected": 2},
    "any_of": {"kind": "multiple_choice", "options": ["a", "b"], "min_selected": 0},
    "rating": {"kind": "rating", "min": 0, "max": 10, "step": 2},
    "ranking": {"kind": "ranking", "items_field": "responses"},
    "tiers": {"kind": "ranking", "items_field": "responses", "allow_ties": True},
    "fixed": {"kind": "ranking", "items": ["x", "y", "z"]},
    "pair": {"kind": "pairwise", "a_field": "response_a", "b_field": "response_b", "allow_tie": True},
    "strict_pair": {"kind": "pairwise", "a_field": "response_a", "b_field": "response_b", "strength_scale": 2},
    "quality": {
        "kind": "rubric",
        "scale": {"min": 1, "max": 5},
        "comment_below": 3,
        "criteria": [
            {"name": "accuracy", "description": "Correct."},
            {"name": "clarity", "description": "Clear.", "scale": {"min": 1, "max": 3}, "comment_below": 2},
        ],
    },
    "steps": {"kind": "step_grading", "trajectory_field": "trajectory", "overall_scale": {"min": 1, "max": 5}},
    "plain_steps": {"kind": "step_grading", "trajectory_field": "trajectory"},
    "lenient_steps": {
        "kind": "step_grading",
        "trajectory_field": "trajectory",
        "comment_required_unless_correct": False,
    },
}
GOOD_STEPS = [{"rating": "correct"}, {"rating": "incorrect", "comment": "Wrong file."}, {"rating": "correct"}]


def _template(name: str, **options) -> dict:
    return {"fields": copy.deepcopy(FIELDS), "questions": [{"name": name, **QUESTIONS[name], **options}]}


def _answer(name: str, value, *, task_data=DATA, **options):
    return answers_validate(_template(name, **options), {name: value}, task_data=task_data)[name]


def _refusal(name: str, value, *, task_data=DATA, **options) -> dict:
    template = _template(name, **options)
    answers = {} if value is ... else {name: value}
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(template, answers, task_data=task_data)
    return caught.value.details


# --- valid answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("free", "Five!", "Five!"),
        ("free", "  exactly twenty chars  ".strip(), "exactly twenty chars"),
        ("free", "   padded   ", "   padded   "),
        ("single", "unsure", "unsure"),
        ("multi", ["c", "a"], ["a", "c"]),
        ("multi", ["d"], ["d"]),
        ("any_of", [], []),
        ("rating", 0, 0),
        ("rating", 10, 10),
        ("rating", "4", 4),
        ("rating", 6.0, 6),
        ("ranking", ["r3", "r1", "r2"], ["r3", "r1", "r2"]),
        ("tiers", ["r2", ["r1", "r3"]], [["r2"], ["r1", "r3"]]),
        ("tiers", [["r1", "r2", "r3"]], [["r1", "r2", "r3"]]),
        ("tiers", [["r1"], ["r2"], ["r3"]], [["r1"], ["r2"], ["r3"]]),
        ("fixed", ["z", "x", "y"], ["z", "x", "y"]),
        (
            "pair",
            {"choice": "a", "strength": 2, "justification": WHY},
            {"choice": "a", "strength": 2, "justification": WHY},
        ),
        (
            "pair",
            {"choice": "tie", "strength": 3, "justification": WHY},
            {"choice": "tie", "strength": None, "justification": WHY},
        ),
        (
            "pair",
            {"choice": "b", "strength": "1", "justification": WHY},
            {"choice": "b", "strength": 1, "justification": WHY},
        ),
        (
            "quality",
            {"accuracy": {"score": 5}, "clarity": {"score": 1, "comment": "Jargon throughout."}},
            {"accuracy": {"score": 5, "comment": ""}, "clarity": {"score": 1, "comment": "Jargon throughout."}},
        ),
        (
            "quality",
            {"accuracy": {"score": 3, "comment": None}, "clarity": {"score": 2}},
            {"accuracy": {"score": 3, "comment": ""}, "clarity": {"score": 2, "comment": ""}},
        ),
        (
            "steps",
            {"steps": GOOD_STEPS, "overall": 4},
            {
                "steps": [
                    {"rating": "correct", "comment": ""},
                    {"rating": "incorrect", "comment": "Wrong file."},
                    {"rating": "correct", "comment": ""},
                ],
                "overall": 4,
            },
        ),
        (
            "plain_steps",
            GOOD_STEPS,
            {
                "steps": [
                    {"rating": "correct", "comment": ""},
                    {"rating": "incorrect", "comment": "Wrong file."},
                    {"rating": "correct", "comment": ""},
                ],
                "overall": None,
            },
        ),
        (
            "lenient_steps",
            {"steps": [{"rating": "unnecessary"}] * 3},
            {"steps": [{"rating": "unnecessary", "comment": ""}] * 3, "overall": None},
        ),
    ],
)
def test_a_valid_answer_of_every_kind_is_accepted_and_normalized(name, value, expected):
    assert _answer(name, value) == expected


def test_every_question_kind_has_valid_answers_above():
    assert {question["kind"] for question in QUESTIONS.values()} == {
        "free_text",
        "single_choice",
        "multiple_choice",
        "rating",
        "ranking",
        "pairwise",
        "rubric",
        "step_grading",
    }


def test_a_step_grading_s_first_option_is_the_one_that_needs_no_comment():
    answer = _answer(
        "plain_steps", [{"rating": "good"}, {"rating": "good"}, {"rating": "good"}], step_options=["good", "bad"]
    )

    assert answer["steps"][0] == {"rating": "good", "comment": ""}


def test_answers_of_a_whole_template_come_back_with_every_question():
    template = {
        "fields": FIELDS,
        "questions": [
            {"name": "single", **QUESTIONS["single"]},
            {"name": "free", **QUESTIONS["free"], "required": False},
            {"name": "rating", **QUESTIONS["rating"], "required": False},
        ],
    }

    answers = answers_validate(template, {"single": "yes", "free": "   "}, task_data=DATA)

    assert answers == {"single": "yes", "free": None, "rating": None}


# --- invalid answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("free", ..., {"free": ["answer this question"]}),
        ("free", None, {"free": ["answer this question"]}),
        ("free", "  ", {"free": ["answer this question"]}),
        ("free", 12345, {"free": ["answer with text"]}),
        ("free", "abc", {"free": ["write at least 5 characters (this has 3)"]}),
        ("free", "   abc   ", {"free": ["write at least 5 characters (this has 3)"]}),
        ("free", "x" * 21, {"free": ["write at most 20 characters (this has 21)"]}),
        ("single", ..., {"single": ["answer this question"]}),
        ("single", "maybe", {"single": ["“maybe” is not one of the options"]}),
        ("single", "Yes", {"single": ["“Yes” is not one of the options"]}),
        ("single", ["yes"], {"single": ["choose one of the options"]}),
        ("single", 1, {"single": ["choose one of the options"]}),
        ("multi", "a", {"multi": ["choose from the options"]}),
        ("multi", [], {"multi": ["choose at least 1 option"]}),
        ("multi", ["a", "b", "c"], {"multi": ["choose at most 2 options"]}),
        ("multi", ["a", "a"], {"multi": ["“a” is chosen more than once"]}),
        ("multi", ["e"], {"multi": ["“e” is not one of the options"]}),
        ("multi", [1, "a"], {"multi": ["“1” is not one of the options"]}),
        ("any_of", None, {"any_of": ["answer this question"]}),
        ("rating", ..., {"rating": ["answer this question"]}),
        ("rating", 3, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", 12, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", -2, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", 2.5, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", "ten", {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", True, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", [4], {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("rating", "9" * 5000, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ("ranking", ..., {"ranking": ["answer this question"]}),
        ("ranking", "r1", {"ranking": ["rank every item exactly once"]}),
        ("ranking", ["r1", "r2"], {"ranking": ["rank every item exactly once (missing “r3”)"]}),
        ("ranking", ["r1", "r2", "r3", "r1"], {"ranking": ["rank every item exactly once (repeated “r1”)"]}),
        ("ranking", ["r1", "r2", "r3", "r9"], {"ranking": ["rank every item exactly once (not an item: “r9”)"]}),
        (
            "ranking",
            ["r1", "r1", "x"],
            {"ranking": ["rank every item exactly once (missing “r2”, “r3”; repeated “r1”; not an item: “x”)"]},
        ),
        ("ranking", ["r1", ["r2", "r3"]], {"ranking[1]": ["must be an item id"]}),
        ("ranking", ["r1", 2, "r3"], {"ranking[1]": ["must be an item id"]}),
        ("tiers", ["r1", []], {"tiers[1]": ["must be an item id or a non-empty list of tied item ids"]}),
        ("tiers", [["r1", 2], "r3"], {"tiers[0]": ["must be an item id or a non-empty list of tied item ids"]}),
        ("tiers", [["r1", "r2"], ["r2", "r3"]], {"tiers": ["rank every item exactly once (repeated “r2”)"]}),
        ("fixed", ["x", "y"], {"fixed": ["rank every item exactly once (missing “z”)"]}),
        ("pair", ..., {"pair": ["answer this question"]}),
        ("pair", "a", {"pair": ["answer with an object of choice, strength and justification"]}),
        ("pair", {"choice": "c", "justification": WHY}, {"pair.choice": ["choose A, B or a tie"]}),
        ("pair", {"choice": "A", "strength": 1, "justification": WHY}, {"pair.choice": ["choose A, B or a tie"]}),
        ("pair", {"strength": 1, "justification": WHY}, {"pair.choice": ["choose A, B or a tie"]}),
        ("strict_pair", {"choice": "tie", "justification": WHY}, {"strict_pair.choice": ["choose A or B"]}),
        (
            "pair",
            {"choice": "a", "justification": WHY},
            {"pair.strength": ["choose how strong the preference is, from 1 to 3"]},
        ),
        (
            "pair",
            {"choice": "b", "strength": 4, "justification": WHY},
            {"pair.strength": ["choose how strong the preference is, from 1 to 3"]},
        ),
        (
            "pair",
            {"choice": "b", "strength": 0, "justification": WHY},
            {"pair.strength": ["choose how strong the preference is, from 1 to 3"]},
        ),
        (
            "pair",
            {"choice": "a", "strength": 2},
            {"pair.justification": ["explain your choice in at least 20 characters"]},
        ),
        (
            "pair",
            {"choice": "a", "strength": 2, "justification": "   It is better.     "},
            {"pair.justification": ["explain your choice in at least 20 characters"]},
        ),
        (
            "pair",
            {"choice": "a", "strength": 2, "justification": 5},
            {"pair.justification": ["explain your choice in text"]},
        ),
        (
            "pair",
            {"choice": "a", "strength": 2, "justification": WHY, "confidence": 3},
            {"pair.confidence": ["is not part of a pairwise answer (choice, strength, justification)"]},
        ),
        (
            "pair",
            {"choice": "x", "justification": ""},
            {
                "pair.choice": ["choose A, B or a tie"],
                "pair.justification": ["explain your choice in at least 20 characters"],
            },
        ),
        ("quality", ..., {"quality": ["answer this question"]}),
        ("quality", "great", {"quality": ["score every criterion"]}),
        ("quality", {"accuracy": {"score": 4}}, {"quality.clarity": ["give a score"]}),
        (
            "quality",
            {"accuracy": {"score": 2}, "clarity": {"score": 3}},
            {"quality.accuracy": ["a comment is required below 3"]},
        ),
        (
            "quality",
            {"accuracy": {"score": 2, "comment": "  "}, "clarity": {"score": 1}},
            {
                "quality.accuracy": ["a comment is required below 3"],
                "quality.clarity": ["a comment is required below 2"],
            },
        ),
        (
            "quality",
            {"accuracy": {"score": 6}, "clarity": {"score": 3}},
            {"quality.accuracy": ["choose a score from 1 to 5"]},
        ),
        (
            "quality",
            {"accuracy": {"score": 4}, "clarity": {"score": 4}},
            {"quality.clarity": ["choose a score from 1 to 3"]},
        ),
        (
            "quality",
            {"accuracy": {"score": "high"}, "clarity": {"score": 3}},
            {"quality.accuracy": ["choose a score from 1 to 5"]},
        ),
        (
            "quality",
            {"accuracy": {"comment": "fine"}, "clarity": {"score": 3}},
            {"quality.accuracy": ["give a score"]},
        ),
        (
            "quality",
            {"accuracy": 4, "clarity": {"score": 3}},
            {"quality.accuracy": ["give a score (and a comment where needed)"]},
        ),
        (
            "quality",
            {"accuracy": {"score": 4}, "clarity": {"score": 3}, "tone": {"score": 3}},
            {"quality.tone": ["is not a criterion of this rubric"]},
        ),
        (
            "quality",
            {"accuracy": {"score": 4, "weight": 2}, "clarity": {"score": 3}},
            {"quality.accuracy": ["“weight” is not part of a criterion's answer (score, comment)"]},
        ),
        (
            "quality",
            {"accuracy": {"score": 4, "comment": 7}, "clarity": {"score": 3}},
            {"quality.accuracy": ["write the comment as text"]},
        ),
        ("steps", ..., {"steps": ["answer this question"]}),
        ("steps", "all good", {"steps": ["grade every step"]}),
        ("steps", {"overall": 3}, {"steps": ["grade every step"]}),
        (
            "steps",
            {"steps": GOOD_STEPS[:2], "overall": 3},
            {"steps": ["grade every step: the trajectory has 3 steps and 2 are graded"]},
        ),
        (
            "steps",
            {"steps": [*GOOD_STEPS, {"rating": "correct"}], "overall": 3},
            {"steps": ["grade every step: the trajectory has 3 steps and 4 are graded"]},
        ),
        ("steps", {"steps": [GOOD_STEPS[0], {}, GOOD_STEPS[2]], "overall": 3}, {"steps[1]": ["choose a rating"]}),
        ("steps", {"steps": [GOOD_STEPS[0], "ok", GOOD_STEPS[2]], "overall": 3}, {"steps[1]": ["choose a rating"]}),
        (
            "steps",
            {"steps": [GOOD_STEPS[0], GOOD_STEPS[1], {"rating": "great"}], "overall": 3},
            {"steps[2]": ["“great” is not one of the ratings (correct, partially_correct, incorrect or unnecessary)"]},
        ),
        (
            "steps",
            {"steps": [GOOD_STEPS[0], {"rating": "incorrect"}, GOOD_STEPS[2]], "overall": 3},
            {"steps[1]": ["add a comment explaining why the step is incorrect"]},
        ),
        (
            "steps",
            {"steps": [{"rating": "partially_correct", "comment": " "}, *GOOD_STEPS[1:]], "overall": 3},
            {"steps[0]": ["add a comment explaining why the step is partially correct"]},
        ),
        (
            "steps",
            {"steps": [{"rating": "correct", "score": 1}, *GOOD_STEPS[1:]], "overall": 3},
            {"steps[0]": ["“score” is not part of a step grade (rating, comment)"]},
        ),
        (
            "steps",
            {"steps": [{"rating": "correct", "comment": 3}, *GOOD_STEPS[1:]], "overall": 3},
            {"steps[0]": ["write the comment as text"]},
        ),
        ("steps", {"steps": GOOD_STEPS}, {"steps.overall": ["choose an overall rating"]}),
        ("steps", GOOD_STEPS, {"steps.overall": ["choose an overall rating"]}),
        ("steps", {"steps": GOOD_STEPS, "overall": 9}, {"steps.overall": ["choose an overall rating from 1 to 5"]}),
        (
            "steps",
            {"steps": GOOD_STEPS, "overall": 3, "summary": "ok"},
            {"steps.summary": ["is not part of a step grading (steps, overall)"]},
        ),
        (
            "plain_steps",
            {"steps": GOOD_STEPS, "overall": 3},
            {"plain_steps.overall": ["this question has no overall rating"]},
        ),
    ],
)
def test_an_invalid_answer_is_refused_with_the_path_of_each_problem(name, value, expected):
    assert _refusal(name, value) == expected


@pytest.mark.parametrize(
    ("name", "task_data", "reason"),
    [
        ("ranking", {}, "the task has no items to rank; its data is incomplete"),
        ("ranking", {"responses": "r1, r2"}, "the task has no items to rank; its data is incomplete"),
        ("ranking", None, "the task has no items to rank; its data is incomplete"),
        ("steps", {"trajectory": []}, "the task has no trajectory to grade; its data is incomplete"),
        ("steps", None, "the task has no trajectory to grade; its data is incomplete"),
    ],
)
def test_a_question_that_needs_task_data_says_so_when_the_data_lacks_it(name, task_data, reason):
    value = ["r1", "r2", "r3"] if name == "ranking" else {"steps": GOOD_STEPS, "overall": 3}

    assert _refusal(name, value, task_data=task_data) == {name: [reason]}


def test_a_long_list_of_missing_items_is_shortened():
    task_data = {**DATA, "responses": [f"item {number}" for number in range(1, 9)]}

    details = _refusal("ranking", ["item 1"], task_data=task_data)

    assert details == {
        "ranking": [
            "rank every item exactly once (missing “item 2”, “item 3”, “item 4”, “item 5”, “item 6” and 2 more)"
        ]
    }


def test_a_ranking_of_fixed_items_needs_no_task_data():
    assert _answer("fixed", ["y", "x", "z"], task_data=None) == ["y", "x", "z"]


def test_a_step_comment_is_optional_when_the_question_says_so():
    value = [{"rating": "incorrect"}, {"rating": "unnecessary"}, {"rating": "partially_correct"}]

    answer = _answer("lenient_steps", value)

    assert [step["rating"] for step in answer["steps"]] == ["incorrect", "unnecessary", "partially_correct"]


def test_a_justification_may_be_empty_when_its_minimum_is_zero():
    answer = _answer("pair", {"choice": "a", "strength": 1}, min_justification_length=0)

    assert answer == {"choice": "a", "strength": 1, "justification": ""}


@pytest.mark.parametrize("answers", [None, "ranking", ["r1"], 3])
def test_answers_that_are_not_an_object_are_refused(answers):
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(_template("single"), answers, task_data=DATA)

    assert caught.value.details == {"answers": ["send the answers as a JSON object keyed by question name"]}


def test_an_unknown_question_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(_template("single"), {"single": "yes", "bonus": "hi"}, task_data=DATA)

    assert caught.value.details == {"bonus": ["unknown question"]}


@pytest.mark.parametrize("value", [..., None, "", [], {}])
def test_an_unanswered_optional_question_is_null(value):
    answers = {} if value is ... else {"rating": value}

    result = answers_validate(_template("rating", required=False), answers, task_data=DATA)

    assert result == {"rating": None}


def test_an_answered_optional_question_is_still_checked():
    assert _refusal("rating", 5, required=False) == {"rating": ["choose a rating from 0 to 10 in steps of 2"]}


@pytest.mark.parametrize("value", [[], "", None])
def test_an_empty_selection_of_an_optional_multiple_choice_is_no_answer(value):
    assert _answer("multi", value, required=False) is None


def test_an_empty_selection_is_an_answer_when_none_of_the_options_may_apply():
    assert _answer("any_of", []) == []
    assert gold_validate(_template("any_of"), {"any_of": []}) == {"any_of": []}


def test_the_message_names_the_first_problem():
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(_template("ranking"), {"ranking": ["r1", "r2"]}, task_data=DATA)

    assert caught.value.message == "Some answers need attention: ranking: rank every item exactly once (missing “r3”)."


def test_answers_validation_leaves_the_answers_untouched():
    answers = {"multi": ["c", "a"]}
    before = copy.deepcopy(answers)

    answers_validate(_template("multi"), answers, task_data=DATA)

    assert answers == before


def test_a_validator_lists_errors_without_raising_and_validates_many_answers():
    validator = AnswersValidator(_template("rating"))

    assert validator.errors({"rating": 4}, task_data=DATA) == []
    assert validator.errors({"rating": 5, "extra": 1}, task_data=DATA) == [
        ("extra", "unknown question"),
        ("rating", "choose a rating from 0 to 10 in steps of 2"),
    ]
    assert validator.validate({"rating": "8"}, task_data=DATA) == {"rating": 8}


# --- gold answers ----------------------------------------------------------------------------


def _whole_template() -> dict:
    return {"fields": FIELDS, "questions": [{"name": name, **question} for name, question in QUESTIONS.items()]}


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        ({"single": "no"}, {"single": "no"}),
        ({"multi": ["b", "a"]}, {"multi": ["a", "b"]}),
        ({"rating": 6, "single": "yes"}, {"rating": 6, "single": "yes"}),
        ({"ranking": ["r2", "r1", "r3"]}, {"ranking": ["r2", "r1", "r3"]}),
        ({"pair": {"choice": "a"}}, {"pair": {"choice": "a", "strength": None}}),
        ({"pair": {"choice": "b", "strength": 3, "justification": WHY}}, {"pair": {"choice": "b", "strength": 3}}),
        ({"pair": {"choice": "tie", "strength": 3}}, {"pair": {"choice": "tie", "strength": None}}),
        ({"quality": {"clarity": {"score": 1, "comment": "Dense."}}}, {"quality": {"clarity": {"score": 1}}}),
        (
            {"steps": {"steps": GOOD_STEPS}},
            {
                "steps": {
                    "steps": [{"rating": "correct"}, {"rating": "incorrect"}, {"rating": "correct"}],
                    "overall": None,
                }
            },
        ),
        (
            {"steps": {"steps": GOOD_STEPS, "overall": 2}},
            {"steps": {"steps": [{"rating": "correct"}, {"rating": "incorrect"}, {"rating": "correct"}], "overall": 2}},
        ),
    ],
)
def test_a_gold_answer_may_check_only_some_questions(gold, expected):
    assert gold_validate(_whole_template(), gold, task_data=DATA) == expected


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        (None, {"gold": ["must be a JSON object keyed by question name"]}),
        ([], {"gold": ["must be a JSON object keyed by question name"]}),
        ({}, {"gold": ["must give the known answer of at least one question"]}),
        ({"bonus": 1}, {"bonus": ["unknown question"]}),
        (
            {"free": "Hello there"},
            {"free": ["is a free-text question, which cannot be checked against a known answer"]},
        ),
        ({"single": ""}, {"single": ["give the known answer or leave the question out"]}),
        ({"single": None}, {"single": ["give the known answer or leave the question out"]}),
        ({"single": "maybe"}, {"single": ["“maybe” is not one of the options"]}),
        ({"rating": 7}, {"rating": ["choose a rating from 0 to 10 in steps of 2"]}),
        ({"ranking": ["r1", "r2"]}, {"ranking": ["rank every item exactly once (missing “r3”)"]}),
        ({"pair": {"strength": 2}}, {"pair.choice": ["choose A, B or a tie"]}),
        (
            {"pair": {"choice": "a", "strength": 9}},
            {"pair.strength": ["choose how strong the preference is, from 1 to 3"]},
        ),
        ({"quality": {"accuracy": {"score": 9}}}, {"quality.accuracy": ["choose a score from 1 to 5"]}),
        ({"quality": {"tone": {"score": 1}}}, {"quality.tone": ["is not a criterion of this rubric"]}),
        ({"quality": {"accuracy": {}}}, {"quality.accuracy": ["give a score"]}),
        ({"quality": {"accuracy": None}}, {"quality": ["give the known score of at least one criterion"]}),
        (
            {"steps": {"steps": GOOD_STEPS[:1]}},
            {"steps": ["grade every step: the trajectory has 3 steps and 1 is graded"]},
        ),
        (
            {"steps": {"steps": [{"rating": "fine"}, *GOOD_STEPS[1:]]}},
            {"steps[0]": ["“fine” is not one of the ratings (correct, partially_correct, incorrect or unnecessary)"]},
        ),
        (
            {"plain_steps": {"steps": GOOD_STEPS, "overall": 3}},
            {"plain_steps.overall": ["this question has no overall rating"]},
        ),
    ],
)
def test_an_invalid_gold_answer_is_refused_with_its_path(gold, expected):
    with pytest.raises(ValidationFailed) as caught:
        gold_validate(_whole_template(), gold, task_data=DATA)

    assert caught.value.details == expected
    assert caught.value.message.startswith("The gold answer is invalid: ")


def test_without_task_data_gold_is_checked_for_shape_only():
    gold = {"ranking": ["r9", "r8"], "steps": {"steps": [{"rating": "correct"}]}}

    normalized = gold_validate(_whole_template(), gold)

    assert normalized == {"ranking": ["r9", "r8"], "steps": {"steps": [{"rating": "correct"}], "overall": None}}


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        ({"ranking": ["r1", "r1"]}, {"ranking": ["rank every item exactly once"]}),
        ({"ranking": ["r1"]}, {"ranking": ["rank every item exactly once"]}),
        ({"fixed": ["x", "y"]}, {"fixed": ["rank every item exactly once (missing “z”)"]}),
        ({"steps": {"steps": []}}, {"steps": ["grade every step"]}),
    ],
)
def test_without_task_data_a_malformed_gold_is_still_refused(gold, expected):
    with pytest.raises(ValidationFailed) as caught:
        gold_validate(_whole_template(), gold)

    assert caught.value.details == expected


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WORDS = st.text(alphabet=string.ascii_letters + string.digits + " .,", min_size=1, max_size=12)


@PROPERTY
@given(
    low=st.integers(-50, 50),
    step=st.integers(1, 5),
    points=st.integers(2, 20),
    data=st.data(),
)
def test_a_rating_accepts_exactly_the_points_of_its_scale(low, step, points, data):
    high = low + step * (points - 1)
    template = {"questions": [{"name": "score", "kind": "rating", "min": low, "max": high, "step": step}]}
    on_scale = data.draw(st.integers(0, points - 1).map(lambda index: low + index * step))
    off_scale = data.draw(st.integers(low - 100, high + 100).filter(lambda v: v < low or v > high or (v - low) % step))

    accepted = answers_validate(template, {"score": on_scale}, task_data={})
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(template, {"score": off_scale}, task_data={})

    assert accepted == {"score": on_scale}
    assert list(caught.value.details) == ["score"]


@PROPERTY
@given(ids=st.lists(WORDS.filter(str.strip), min_size=2, max_size=8, unique=True), data=st.data())
def test_any_ordering_of_all_items_is_a_valid_ranking_and_any_other_list_is_not(ids, data):
    template = {
        "fields": [{"name": "responses", "kind": "list"}],
        "questions": [{"name": "ranking", "kind": "ranking", "items_field": "responses"}],
    }
    task_data = {"responses": [{"id": item, "text": f"Response {item}"} for item in ids]}
    order = data.draw(st.permutations(ids))
    broken = data.draw(
        st.one_of(
            st.just(order[:-1]),
            st.just([*order, order[0]]),
            st.just([*order[:-1], order[0]]),
            WORDS.filter(lambda word: word not in ids).map(lambda word: [*order, word]),
        )
    )

    accepted = answers_validate(template, {"ranking": order}, task_data=task_data)
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(template, {"ranking": broken}, task_data=task_data)

    assert accepted == {"ranking": order}
    assert caught.value.details["ranking"][0].startswith("rank every item exactly once (")


@PROPERTY
@given(
    values=st.lists(WORDS.filter(str.strip).map(str.strip), min_size=2, max_size=8, unique=True),
    data=st.data(),
)
def test_a_multiple_choice_accepts_any_selection_within_its_bounds_in_option_order(values, data):
    low = data.draw(st.integers(0, len(values)))
    high = data.draw(st.integers(max(low, 1), len(values)))
    template = {
        "questions": [
            {"name": "tags", "kind": "multiple_choice", "options": values, "min_selected": low, "max_selected": high}
        ]
    }
    chosen = data.draw(st.lists(st.sampled_from(values), min_size=low, max_size=high, unique=True))
    too_many = (
        data.draw(st.lists(st.sampled_from(values), min_size=high + 1, unique=True)) if high < len(values) else None
    )
    too_few = data.draw(st.lists(st.sampled_from(values), max_size=low - 1, unique=True)) if low > 0 else None

    accepted = answers_validate(template, {"tags": chosen}, task_data={})

    assert accepted == {"tags": [value for value in values if value in chosen]}
    for wrong in (too_many, too_few):
        if wrong is not None:
            with pytest.raises(ValidationFailed) as caught:
                answers_validate(template, {"tags": wrong}, task_data={})
            assert list(caught.value.details) == ["tags"]


@PROPERTY
@given(values=st.lists(WORDS.filter(str.strip).map(str.strip), min_size=2, max_size=8, unique=True), data=st.data())
def test_a_single_choice_accepts_each_option_and_nothing_else(values, data):
    template = {"questions": [{"name": "pick", "kind": "single_choice", "options": values}]}
    chosen = data.draw(st.sampled_from(values))
    other = data.draw(WORDS.filter(lambda word: word.strip() and word not in values))

    accepted = answers_validate(template, {"pick": chosen}, task_data={})
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(template, {"pick": other}, task_data={})

    assert accepted == {"pick": chosen}
    assert caught.value.details == {"pick": [f"“{other}” is not one of the options"]}


def _text(min_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.ascii_letters + " ", min_size=min_size + 2, max_size=min_size + 40).map(
        lambda text: "x" * (min_size + 1) + text
    )


def _valid_answer(question: dict, task_data: dict) -> st.SearchStrategy:
    """Answers a generous expert could give to one normalized question."""
    kind = question["kind"]
    if kind == "free_text":
        low, high = question["min_length"], question["max_length"]
        return st.integers(max(low, 1), min(high, low + 60)).map(lambda length: "y" * length)
    if kind == "single_choice":
        return st.sampled_from([option["value"] for option in question["options"]])
    if kind == "multiple_choice":
        values = [option["value"] for option in question["options"]]
        high = question["max_selected"] or len(values)
        return st.lists(st.sampled_from(values), min_size=max(question["min_selected"], 1), max_size=high, unique=True)
    if kind == "rating":
        return st.sampled_from(range(question["min"], question["max"] + 1, question["step"]))
    if kind == "ranking":
        items = question["items"] or task_data[question["items_field"]]
        ids = [item if isinstance(item, str) else item["id"] for item in items]
        return st.permutations(ids)
    if kind == "pairwise":
        choices = ["a", "b", "tie"] if question["allow_tie"] else ["a", "b"]
        return st.builds(
            lambda choice, strength, why: {"choice": choice, "strength": strength, "justification": why},
            st.sampled_from(choices),
            st.integers(1, question["strength_scale"]),
            _text(question["min_justification_length"]),
        )
    if kind == "rubric":
        return st.fixed_dictionaries(
            {
                criterion["name"]: st.builds(
                    lambda score, comment: {"score": score, "comment": comment},
                    st.integers(criterion["scale"]["min"], criterion["scale"]["max"]),
                    _text(0),
                )
                for criterion in question["criteria"]
            }
        )
    values = [option["value"] for option in question["step_options"]]
    count = len(task_data[question["trajectory_field"]])
    grade = st.builds(lambda rating, comment: {"rating": rating, "comment": comment}, st.sampled_from(values), _text(0))
    scale = question["overall_scale"]
    overall = st.integers(scale["min"], scale["max"]) if scale else st.none()
    return st.fixed_dictionaries({"steps": st.lists(grade, min_size=count, max_size=count), "overall": overall})


WRONG = {
    "free_text": [17, ["text"], "x" * 200_001],
    "single_choice": ["not an option", 3, ["a"]],
    "multiple_choice": ["a", ["not an option"], [7]],
    "rating": [10**6, "high", 2.5],
    "ranking": ["first", [["x"]], ["nothing"]],
    "pairwise": ["a", {"choice": "c"}, {"choice": "a", "strength": 99, "justification": "x" * 30}],
    "rubric": ["good", {"unknown": {"score": 1}}, {}],
    "step_grading": ["fine", {"steps": [{"rating": "no such rating"}]}, {"steps": "all"}],
}


def _cases() -> list[tuple[str, dict, dict]]:
    whole = _whole_template()
    cases = [(key, copy.deepcopy(preset.template), dict(preset.example_data)) for key, preset in PRESETS.items()]
    return [*cases, ("every kind", whole, DATA)]


@pytest.mark.parametrize(("case", "template", "task_data"), _cases(), ids=[case[0] for case in _cases()])
@PROPERTY
@given(data=st.data())
def test_any_generated_answer_validates_and_any_mutation_of_one_question_fails(case, template, task_data, data):
    normalized = template_validate(template)
    answers = {
        question["name"]: data.draw(_valid_answer(question, task_data), label=question["name"])
        for question in normalized["questions"]
    }
    target = data.draw(st.sampled_from(normalized["questions"]), label="mutated question")
    wrong = data.draw(st.sampled_from(WRONG[target["kind"]]), label="wrong answer")

    accepted = answers_validate(template, answers, task_data=task_data)
    again = answers_validate(template, accepted, task_data=task_data)
    with pytest.raises(ValidationFailed) as caught:
        answers_validate(template, {**answers, target["name"]: wrong}, task_data=task_data)

    assert again == accepted
    name = target["name"]
    assert caught.value.details
    assert all(path == name or path.startswith((f"{name}.", f"{name}[")) for path in caught.value.details)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=10,
)


@PROPERTY
@given(
    answers=st.dictionaries(st.sampled_from([*QUESTIONS, "other"]), JSON, max_size=6) | JSON,
    gold=st.dictionaries(st.sampled_from([*QUESTIONS, "other"]), JSON, max_size=4),
)
def test_arbitrary_json_answers_are_refused_with_details_never_an_unexpected_exception(answers, gold):
    validator = AnswersValidator(_whole_template())

    for check in (
        lambda: validator.validate(answers, task_data=DATA),
        lambda: validator.gold_validate(gold, task_data=DATA),
        lambda: validator.gold_validate(gold),
    ):
        try:
            check()
        except ValidationFailed as refused:
            assert refused.details
