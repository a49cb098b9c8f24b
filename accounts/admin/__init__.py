from accounts.admin import credentials, exams, experts, organizations, qualifications  # noqa: F401 -- registers the admins
