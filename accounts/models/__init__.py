from accounts.models.credentials import Credential, CredentialDecision
from accounts.models.exams import Exam, ExamAttempt, ExamQuestion, Level
from accounts.models.experts import Domain, ExpertDomain, ExpertProfile
from accounts.models.organizations import Membership, Organization, OrganizationQuerySet
from accounts.models.qualifications import Qualification
from accounts.models.users import User, UserManager

__all__ = [
    "Credential",
    "CredentialDecision",
    "Domain",
    "Exam",
    "ExamAttempt",
    "ExamQuestion",
    "ExpertDomain",
    "ExpertProfile",
    "Level",
    "Membership",
    "Organization",
    "OrganizationQuerySet",
    "Qualification",
    "User",
    "UserManager",
]
