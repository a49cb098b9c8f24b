from django.urls import path

from accounts.views import exams as views

urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("attempts/<int:pk>/", views.exam_attempt, name="exam_attempt"),
    path("attempts/<int:pk>/result/", views.exam_attempt_result, name="exam_attempt_result"),
    path("<slug:slug>/", views.exam_detail, name="exam_detail"),
    path("<slug:slug>/start/", views.exam_start, name="exam_start"),
]
