from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MarketplaceConfig(AppConfig):
    default = True
    name = "marketplace"
    verbose_name = "Marketplace"


class MarketplaceAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by the tenant-aware site in ``marketplace.admin``."""

    default = False
    default_site = "marketplace.admin.MarketplaceAdminSite"
