from django.urls import path

from accounts.views import onboarding as views

urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/<slug:step>/", views.onboarding_step, name="onboarding_step"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("eligibility/", views.eligibility, name="eligibility_check"),
    path("terms/", views.expert_terms, name="expert_terms"),
]
