import pytest

from marketplace.errors import Conflict, ValidationFailed
from projects.models import Preset, Project, ProjectVersion
from projects.presets import PRESETS, preset_template
from projects.services.projects import project_content_update, project_create, project_transition
from tests.factories import OrganizationFactory, UserFactory

Status = Project.Status


def _create(**overrides) -> Project:
    values = {
        "organization": OrganizationFactory(),
        "created_by": None,
        "name": "Hard physics answers",
        "preset": Preset.SFT,
        "pay_per_task": 2500,
        "estimated_minutes": 30,
    }
    return project_create(**{**values, **overrides})


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_preset_fills_the_template_of_a_new_draft(db, preset):
    project = _create(preset=preset, instructions="Be precise.")

    assert project.status == Status.DRAFT
    assert project.current_version.number == 1
    assert project.current_version.template == preset_template(preset)
    assert project.current_version.organization_id == project.organization_id


def test_a_custom_project_needs_a_template(db):
    with pytest.raises(ValidationFailed, match="needs a template"):
        _create(preset=Preset.CUSTOM)

    assert not Project.objects.exists()


def test_an_invalid_template_is_refused_with_its_path_and_nothing_saved(db):
    template = {
        "fields": [{"name": "prompt", "kind": "text"}],
        "questions": [{"name": "pick", "kind": "single_choice"}],
    }

    with pytest.raises(ValidationFailed) as raised:
        _create(preset=Preset.CUSTOM, template=template)

    assert any(path.startswith("template.questions[0]") for path in raised.value.details)
    assert not Project.objects.exists() and not ProjectVersion.objects.exists()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("overlap", 0), ("gold_rate", 101), ("lease_minutes", 1), ("pay_per_task", -5), ("currency", "dollars")],
)
def test_out_of_range_settings_are_refused(db, setting, value):
    with pytest.raises(ValidationFailed) as raised:
        _create(**{setting: value})

    assert setting in raised.value.details
    assert not Project.objects.exists()


def test_bad_requirements_are_refused(db):
    with pytest.raises(ValidationFailed) as raised:
        _create(requirements={"domains": [{"domain": "alchemy", "level": 2}]})

    assert any(path.startswith("requirements.") for path in raised.value.details)


def test_editing_a_draft_changes_its_version_in_place(db):
    project = _create()
    template = preset_template("pairwise")

    version = project_content_update(project=project, template=template, instructions="New", by=None)

    assert version.number == 1 and version.template == template
    assert project.versions.count() == 1


def test_editing_an_active_project_makes_a_new_version(db):
    project = _create(instructions="Old")
    project_transition(project=project, to_status=Status.ACTIVE)
    first = project.current_version
    editor = UserFactory()

    version = project_content_update(project=project, template=first.template, instructions="Clearer", by=editor)

    project.refresh_from_db()
    first.refresh_from_db()
    assert (version.number, version.instructions, version.created_by) == (2, "Clearer", editor)
    assert project.current_version == version
    assert first.instructions == "Old"  # what earlier experts saw is kept


def test_saving_identical_content_makes_no_version(db):
    project = _create(instructions="Same")
    project_transition(project=project, to_status=Status.ACTIVE)

    version = project_content_update(
        project=project, template=project.current_version.template, instructions="Same", by=None
    )

    assert version.number == 1 and project.versions.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        [Status.ACTIVE, Status.PAUSED, Status.ACTIVE, Status.COMPLETED, Status.ARCHIVED],
        [Status.ARCHIVED],
        [Status.ACTIVE, Status.PAUSED, Status.COMPLETED],
    ],
)
def test_allowed_transitions(db, path):
    project = _create()

    for status in path:
        project = project_transition(project=project, to_status=status)

    assert project.status == path[-1]


@pytest.mark.parametrize(
    ("start", "to"),
    [([], Status.PAUSED), ([], Status.COMPLETED), ([Status.ARCHIVED], Status.ACTIVE), ([Status.ACTIVE], Status.DRAFT)],
)
def test_forbidden_transitions_say_what_is_allowed(db, start, to):
    project = _create()
    for status in start:
        project = project_transition(project=project, to_status=status)

    with pytest.raises(Conflict, match="cannot become"):
        project_transition(project=project, to_status=to)

    project.refresh_from_db()
    assert project.status == (start[-1] if start else Status.DRAFT)


def test_an_archived_project_cannot_be_edited(db):
    project = _create()
    project_transition(project=project, to_status=Status.ARCHIVED)

    with pytest.raises(Conflict):
        project_content_update(project=project, template=PRESETS["sft"].template, instructions="x", by=None)
