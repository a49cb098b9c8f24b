import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from accounts.models import (
    Credential,
    Domain,
    Exam,
    ExpertProfile,
    Level,
    Membership,
    Organization,
    Qualification,
    User,
)
from projects.models import Project, ProjectVersion, Task

DEFAULT_PASSWORD = "correct horse battery staple"
MINIMAL_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Verified email by default, as allauth's mandatory verification requires to log in."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"primary": True, "verified": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class DomainFactory(factory.django.DjangoModelFactory):
    """Seeded domains exist in every test database (migration 0003); this makes extra ones."""

    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Field {n}")
    slug = factory.Sequence(lambda n: f"field-{n}")


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory)
    pseudonym = factory.Sequence(lambda n: f"Expert-T{n:05d}")
    display_name = factory.Faker("name")
    country = "FR"
    timezone = "Europe/Paris"
    languages = factory.LazyFunction(lambda: ["en", "fr"])
    education = ExpertProfile.Education.DOCTORATE
    occupation = "Research scientist"
    bio = "Works on things that are hard to explain."

    class Params:
        #: an active expert who accepted the current terms: eligible for a project without requirements
        ready = factory.Trait(
            status=ExpertProfile.Status.ACTIVE,
            terms_version=factory.LazyFunction(lambda: settings.EXPERT_TERMS_VERSION),
            terms_accepted_at=factory.LazyFunction(timezone.now),
        )


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    expert = factory.SubFactory(UserFactory)
    kind = Credential.Kind.DEGREE
    domain = factory.LazyFunction(lambda: Domain.objects.get(slug="physics"))
    title = "PhD in Theoretical Physics"
    issuer = "University of Somewhere"
    evidence = factory.django.FileField(
        filename="diploma.pdf", data=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    )
    evidence_name = "diploma.pdf"
    evidence_content_type = "application/pdf"
    evidence_size = 40
    evidence_sha256 = "0" * 64


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    expert = factory.SubFactory(UserFactory)
    domain = factory.LazyFunction(lambda: Domain.objects.get(slug="physics"))
    level = Level.PROFESSIONAL
    source = Qualification.Source.STAFF


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam
        django_get_or_create = ("slug",)

    domain = factory.LazyFunction(lambda: Domain.objects.get(slug="physics"))
    title = factory.Sequence(lambda n: f"Test exam {n}")
    slug = factory.Sequence(lambda n: f"test-exam-{n}")
    pass_mark = 70
    time_limit_minutes = 30
    retake_cooldown_days = 14
    questions_per_attempt = 3


SIMPLE_TEMPLATE = {
    "fields": [{"name": "prompt", "kind": "text", "label": "Prompt"}],
    "questions": [{"name": "answer", "kind": "free_text", "label": "Your answer", "min_length": 1, "max_length": 5000}],
}


class ProjectFactory(factory.django.DjangoModelFactory):
    """An active project with one version whose template asks a free-text question about a prompt."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    status = Project.Status.ACTIVE
    pay_per_task = 500
    estimated_minutes = 10
    overlap = 1

    @factory.post_generation
    def version(self, create, extracted, **kwargs):
        if not create:
            return
        template = extracted if extracted is not None else SIMPLE_TEMPLATE
        version = ProjectVersion.objects.create(
            organization=self.organization, project=self, number=1, instructions="Answer well.", template=template
        )
        self.current_version = version
        self.save(update_fields=["current_version"])


class TaskFactory(factory.django.DjangoModelFactory):
    """``TaskFactory(project=p)`` or ``TaskFactory(organization=o)``: the task always belongs to its project's lab."""

    class Meta:
        model = Task

    organization = factory.SubFactory(OrganizationFactory)
    project = factory.SubFactory(ProjectFactory, organization=factory.SelfAttribute("..organization"))
    external_id = factory.Sequence(lambda n: f"task-{n}")
    data = factory.LazyFunction(lambda: {"prompt": "Why is the sky blue?"})
    remaining = factory.SelfAttribute("project.overlap")

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs["organization"] = kwargs["project"].organization
        return kwargs
