from django.urls import path

from accounts.views import credentials as views

urlpatterns = [
    path("", views.credential_list, name="credential_list"),
    path("add/", views.credential_add, name="credential_add"),
    path("<int:pk>/", views.credential_detail, name="credential_detail"),
    path("<int:pk>/withdraw/", views.credential_withdraw_view, name="credential_withdraw"),
    path("<int:pk>/evidence/", views.credential_evidence, name="credential_evidence"),
]
