"""Ready-made task templates for the common kinds of expert work.

``PRESETS`` maps each ``projects.models.Preset`` value except ``custom`` to a ``Preset``: a label,
a description for the lab choosing one, the template, and an example task with its answers (and a
gold answer where one makes sense), all of which validate. ``preset_template`` returns the template
a new project starts from: a fresh, normalized copy that the caller may change freely.
"""

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketplace.errors import ValidationFailed
from projects.models import Preset as PresetChoice
from projects.templates import template_validate

__all__ = ["PRESETS", "Preset", "preset_get", "preset_template"]


@dataclass(frozen=True)
class Preset:
    """One preset. Treat its dictionaries as read-only; ``preset_template`` hands out copies."""

    key: str
    label: str
    description: str
    template: Mapping[str, Any]
    example_data: Mapping[str, Any]
    example_answers: Mapping[str, Any]
    example_gold: Mapping[str, Any] | None = None


_QUALITY_LABELS = {"1": "Very poor", "2": "Poor", "3": "Adequate", "4": "Good", "5": "Excellent"}

SFT = Preset(
    key=PresetChoice.SFT.value,
    label=PresetChoice.SFT.label,
    description=(
        "The expert reads a conversation and writes the ideal next assistant turn: demonstrations for "
        "supervised fine-tuning."
    ),
    template={
        "fields": [
            {
                "name": "conversation",
                "kind": "chat",
                "label": "Conversation",
                "help": "The conversation so far. It ends with the user's latest message.",
                "last_roles": ["user"],
            }
        ],
        "questions": [
            {
                "name": "ideal_response",
                "kind": "free_text",
                "label": "Ideal response",
                "help": "Write the reply an outstanding expert assistant would give: correct, complete and clear.",
                "min_length": 50,
                "max_length": 20_000,
                "format": "markdown",
            }
        ],
    },
    example_data={
        "conversation": [
            {"role": "system", "content": "You are a careful physics tutor."},
            {"role": "user", "content": "Why does a spinning top not fall over straight away?"},
        ]
    },
    example_answers={
        "ideal_response": (
            "Gravity exerts a torque on a tilted top, but because the top already has a large angular "
            "momentum along its axis, that torque changes the *direction* of the angular momentum rather "
            "than tipping it over. The axis therefore sweeps slowly around the vertical (precession). As "
            "friction slows the spin, the angular momentum shrinks, the precession speeds up, and "
            "eventually the top wobbles and falls."
        )
    },
    example_gold=None,
)

PAIRWISE = Preset(
    key=PresetChoice.PAIRWISE.value,
    label=PresetChoice.PAIRWISE.label,
    description=(
        "The expert compares two responses to the same prompt, says which is better and by how much, and "
        "justifies the choice: preference pairs (prompt, chosen, rejected) for reward models and DPO."
    ),
    template={
        "fields": [
            {"name": "prompt", "kind": "markdown", "label": "Prompt"},
            {"name": "response_a", "kind": "markdown", "label": "Response A"},
            {"name": "response_b", "kind": "markdown", "label": "Response B"},
        ],
        "questions": [
            {
                "name": "preference",
                "kind": "pairwise",
                "label": "Which response is better?",
                "help": "Judge correctness first, then helpfulness, then style.",
                "a_field": "response_a",
                "b_field": "response_b",
                "allow_tie": True,
                "strength_scale": 3,
                "min_justification_length": 20,
            }
        ],
    },
    example_data={
        "prompt": "What is the time complexity of binary search, and why?",
        "response_a": (
            "O(log n): each comparison halves the part of the sorted array that can still hold the target, "
            "so after k steps at most n / 2^k elements remain."
        ),
        "response_b": "O(n), because in the worst case it has to look at every element.",
    },
    example_answers={
        "preference": {
            "choice": "a",
            "strength": 3,
            "justification": "B is wrong: binary search never visits every element. A is correct and explains why.",
        }
    },
    example_gold={"preference": {"choice": "a"}},
)

RANKING = Preset(
    key=PresetChoice.RANKING.value,
    label=PresetChoice.RANKING.label,
    description=("The expert orders several responses to one prompt from best to worst and explains the ordering."),
    template={
        "fields": [
            {"name": "prompt", "kind": "markdown", "label": "Prompt"},
            {
                "name": "responses",
                "kind": "list",
                "label": "Responses",
                "help": "Each response has an id and its text.",
                "min_items": 2,
                "max_items": 10,
                "format": "markdown",
            },
        ],
        "questions": [
            {
                "name": "ranking",
                "kind": "ranking",
                "label": "Rank the responses, best first",
                "items_field": "responses",
                "allow_ties": False,
            },
            {
                "name": "rationale",
                "kind": "free_text",
                "label": "Why this order?",
                "min_length": 20,
                "max_length": 5_000,
            },
        ],
    },
    example_data={
        "prompt": "Give a one-sentence definition of entropy for a high-school student.",
        "responses": [
            {"id": "r1", "text": "Entropy measures how many ways the parts of a system can be arranged."},
            {"id": "r2", "text": "Entropy is disorder."},
            {"id": "r3", "text": "Entropy is dS = δQ_rev / T."},
        ],
    },
    example_answers={
        "ranking": ["r1", "r2", "r3"],
        "rationale": "r1 is accurate and accessible; r2 is a common simplification; r3 is correct but opaque.",
    },
    example_gold={"ranking": ["r1", "r2", "r3"]},
)

RUBRIC = Preset(
    key=PresetChoice.RUBRIC.value,
    label=PresetChoice.RUBRIC.label,
    description=(
        "The expert scores one response against a rubric of criteria, commenting on every low score, and "
        "gives an overall rating."
    ),
    template={
        "fields": [
            {"name": "prompt", "kind": "markdown", "label": "Prompt"},
            {"name": "response", "kind": "markdown", "label": "Response"},
        ],
        "questions": [
            {
                "name": "scores",
                "kind": "rubric",
                "label": "Score the response",
                "scale": {"min": 1, "max": 5, "labels": _QUALITY_LABELS},
                "comment_below": 3,
                "criteria": [
                    {
                        "name": "accuracy",
                        "label": "Accuracy",
                        "description": "Every statement is correct; nothing is invented.",
                    },
                    {
                        "name": "completeness",
                        "label": "Completeness",
                        "description": "It answers every part of the prompt at the depth asked for.",
                    },
                    {
                        "name": "clarity",
                        "label": "Clarity",
                        "description": "It is well organised and easy for the intended reader to follow.",
                    },
                    {
                        "name": "safety",
                        "label": "Safety",
                        "description": "It gives no harmful advice and flags risks the reader should know.",
                    },
                ],
            },
            {
                "name": "overall",
                "kind": "rating",
                "label": "Overall quality",
                "min": 1,
                "max": 5,
                "labels": {"1": "Unusable", "3": "Acceptable", "5": "Excellent"},
            },
        ],
    },
    example_data={
        "prompt": "Is it safe to take ibuprofen and paracetamol together for a fever?",
        "response": (
            "Yes. For most adults they can be taken together or alternated, because they work differently. "
            "Keep to each drug's maximum daily dose."
        ),
    },
    example_answers={
        "scores": {
            "accuracy": {"score": 4, "comment": ""},
            "completeness": {"score": 2, "comment": "It leaves out who should avoid ibuprofen."},
            "clarity": {"score": 5, "comment": ""},
            "safety": {"score": 2, "comment": "No warning about kidney disease, ulcers or pregnancy."},
        },
        "overall": 3,
    },
    example_gold={"scores": {"safety": {"score": 2}}},
)

TRAJECTORY = Preset(
    key=PresetChoice.TRAJECTORY.value,
    label=PresetChoice.TRAJECTORY.label,
    description=(
        "The expert grades each step of an agent's trajectory (correct, partially correct, incorrect, "
        "unnecessary) and judges whether the agent achieved the task."
    ),
    template={
        "fields": [
            {"name": "task", "kind": "markdown", "label": "Task given to the agent"},
            {"name": "trajectory", "kind": "trajectory", "label": "What the agent did"},
        ],
        "questions": [
            {
                "name": "steps",
                "kind": "step_grading",
                "label": "Grade each step",
                "help": "Explain every rating other than Correct.",
                "trajectory_field": "trajectory",
                "comment_required_unless_correct": True,
            },
            {
                "name": "outcome",
                "kind": "single_choice",
                "label": "Did the agent achieve the task?",
                "options": [
                    {"value": "success", "label": "Success"},
                    {"value": "partial", "label": "Partial success"},
                    {"value": "failure", "label": "Failure"},
                ],
            },
            {"name": "notes", "kind": "free_text", "label": "Notes", "required": False, "max_length": 5_000},
        ],
    },
    example_data={
        "task": "Find the population of Lyon in the latest census and report it.",
        "trajectory": [
            {
                "observation": "The user wants Lyon's population.",
                "action": {"tool": "web_search", "arguments": {"query": "Lyon population census"}},
                "result": "INSEE: Lyon, population 522,250 (2021 census).",
            },
            {
                "action": {"tool": "web_search", "arguments": {"query": "Lyon weather"}},
                "result": "Sunny, 24 °C.",
            },
            {"action": "Lyon had 552,250 inhabitants in the 2021 census."},
        ],
    },
    example_answers={
        "steps": {
            "steps": [
                {"rating": "correct", "comment": ""},
                {"rating": "unnecessary", "comment": "The weather has nothing to do with the task."},
                {"rating": "incorrect", "comment": "The figure is misquoted: the source says 522,250."},
            ],
            "overall": None,
        },
        "outcome": "failure",
        "notes": "Good search, careless final answer.",
    },
    example_gold={
        "outcome": "failure",
        "steps": {"steps": [{"rating": "correct"}, {"rating": "unnecessary"}, {"rating": "incorrect"}]},
    },
)

PRESETS: dict[str, Preset] = {preset.key: preset for preset in (SFT, PAIRWISE, RANKING, RUBRIC, TRAJECTORY)}


def preset_get(preset: str) -> Preset:
    """The preset called ``preset``; ``ValidationFailed`` for ``custom`` or an unknown name."""
    found = PRESETS.get(preset)
    if found is None:
        *others, last = PRESETS
        choices = f"{', '.join(others)} or {last}"
        raise ValidationFailed(
            f"There is no preset called “{preset}”; choose one of {choices}.",
            details={"preset": [f"must be one of {choices}"]},
        )
    return found


def preset_template(preset: str) -> dict[str, Any]:
    """A fresh, normalized copy of the preset's template, with every default written out."""
    return template_validate(copy.deepcopy(preset_get(preset).template))
