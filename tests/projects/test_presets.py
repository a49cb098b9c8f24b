"""Presets: ready-made templates, each with an example task and answers that validate."""

import copy

import pytest

from marketplace.errors import ValidationFailed
from projects.models import Preset as PresetChoice
from projects.presets import PRESETS, preset_get, preset_template
from projects.templates import TaskDataValidator, answers_validate, gold_validate, template_validate

KEYS = sorted(PRESETS)


def test_there_is_a_preset_for_every_preset_choice_except_custom():
    assert set(PRESETS) == set(PresetChoice.values) - {PresetChoice.CUSTOM}


@pytest.mark.parametrize("key", KEYS)
def test_a_preset_carries_the_label_of_its_choice_and_a_description(key):
    preset = PRESETS[key]

    assert preset.key == key
    assert preset.label == PresetChoice(key).label
    assert len(preset.description) > 40


@pytest.mark.parametrize("key", KEYS)
def test_a_preset_template_is_valid_and_already_normalized(key):
    template = preset_template(key)

    assert template_validate(template) == template
    assert template == template_validate(PRESETS[key].template)


@pytest.mark.parametrize("key", KEYS)
def test_a_preset_example_task_fits_its_template(key):
    preset = PRESETS[key]

    errors = TaskDataValidator(preset.template).errors(preset.example_data)

    assert errors == []


@pytest.mark.parametrize("key", KEYS)
def test_a_preset_example_answers_validate_and_come_back_unchanged(key):
    preset = PRESETS[key]

    answers = answers_validate(preset.template, preset.example_answers, task_data=preset.example_data)

    assert answers == preset.example_answers


@pytest.mark.parametrize("key", [key for key in KEYS if PRESETS[key].example_gold is not None])
def test_a_preset_example_gold_answer_validates(key):
    preset = PRESETS[key]

    gold = gold_validate(preset.template, preset.example_gold, task_data=preset.example_data)

    assert set(gold) == set(preset.example_gold)


def test_only_the_demonstration_preset_has_no_gold_answer_since_free_text_cannot_be_gold():
    assert [key for key in KEYS if PRESETS[key].example_gold is None] == ["sft"]


@pytest.mark.parametrize(
    ("key", "fields", "questions"),
    [
        ("sft", [("conversation", "chat")], [("ideal_response", "free_text")]),
        (
            "pairwise",
            [("prompt", "markdown"), ("response_a", "markdown"), ("response_b", "markdown")],
            [("preference", "pairwise")],
        ),
        (
            "ranking",
            [("prompt", "markdown"), ("responses", "list")],
            [("ranking", "ranking"), ("rationale", "free_text")],
        ),
        ("rubric", [("prompt", "markdown"), ("response", "markdown")], [("scores", "rubric"), ("overall", "rating")]),
        (
            "trajectory",
            [("task", "markdown"), ("trajectory", "trajectory")],
            [("steps", "step_grading"), ("outcome", "single_choice"), ("notes", "free_text")],
        ),
    ],
)
def test_a_preset_has_the_fields_and_questions_labs_expect(key, fields, questions):
    template = preset_template(key)

    assert [(field["name"], field["kind"]) for field in template["fields"]] == fields
    assert [(question["name"], question["kind"]) for question in template["questions"]] == questions


def test_the_demonstration_asks_for_at_least_fifty_characters_after_a_user_turn():
    template = preset_template("sft")

    assert template["fields"][0]["last_roles"] == ["user"]
    assert template["questions"][0]["min_length"] == 50


def test_the_pairwise_preset_asks_for_strength_and_a_justification():
    question = preset_template("pairwise")["questions"][0]

    assert (question["a_field"], question["b_field"]) == ("response_a", "response_b")
    assert question["strength_scale"] == 3
    assert question["min_justification_length"] == 20


def test_the_rubric_preset_scores_four_criteria_from_one_to_five_with_comments_below_three():
    criteria = preset_template("rubric")["questions"][0]["criteria"]

    assert [criterion["name"] for criterion in criteria] == ["accuracy", "completeness", "clarity", "safety"]
    assert all(criterion["description"] for criterion in criteria)
    assert {(c["scale"]["min"], c["scale"]["max"], c["comment_below"]) for c in criteria} == {(1, 5, 3)}


def test_the_trajectory_preset_judges_the_outcome_and_leaves_notes_optional():
    questions = {question["name"]: question for question in preset_template("trajectory")["questions"]}

    assert [option["value"] for option in questions["outcome"]["options"]] == ["success", "partial", "failure"]
    assert questions["notes"]["required"] is False
    assert questions["steps"]["comment_required_unless_correct"] is True


def test_the_example_rubric_answers_would_fail_without_their_comments():
    preset = PRESETS["rubric"]
    answers = copy.deepcopy(dict(preset.example_answers))
    answers["scores"]["safety"]["comment"] = ""

    with pytest.raises(ValidationFailed) as caught:
        answers_validate(preset.template, answers, task_data=preset.example_data)

    assert caught.value.details == {"scores.safety": ["a comment is required below 3"]}


def test_preset_template_returns_a_fresh_copy_each_time():
    first = preset_template("rubric")
    first["questions"][0]["criteria"][0]["scale"]["max"] = 99
    first["fields"].clear()

    second = preset_template("rubric")

    assert second["questions"][0]["criteria"][0]["scale"]["max"] == 5
    assert second["fields"]
    assert PRESETS["rubric"].template["questions"][0]["scale"]["max"] == 5


def test_a_preset_is_found_by_its_model_choice_too():
    assert preset_get(PresetChoice.PAIRWISE) is PRESETS["pairwise"]
    assert preset_template(PresetChoice.RANKING) == preset_template("ranking")


@pytest.mark.parametrize("key", ["custom", "essay", ""])
def test_an_unknown_preset_or_custom_has_no_template(key):
    with pytest.raises(ValidationFailed) as caught:
        preset_template(key)

    assert caught.value.details == {"preset": ["must be one of sft, pairwise, ranking, rubric or trajectory"]}
