from accounts.admin import organizations  # noqa: F401 -- registers the admins
