"""The expert web site's account pages: onboarding and dashboard, credentials, exams."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls.onboarding")),
    path("credentials/", include("accounts.urls.credentials")),
    path("exams/", include("accounts.urls.exams")),
]
