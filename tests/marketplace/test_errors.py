"""Every API failure has one shape: ``{"error": {"code", "message", "details"}}``."""

import json

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.models import Membership
from marketplace.errors import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed

MEMBERSHIPS_URL = "/api/v1/memberships/"


def error_of(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- Through the real API ---------------------------------------------------------------------


def test_unauthenticated_request_is_refused_in_the_error_shape(client, db):
    response = client.get(MEMBERSHIPS_URL)

    assert response.status_code == 403  # session authentication sends no WWW-Authenticate challenge
    assert error_of(response) == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "details": {},
    }


def test_another_organizations_membership_is_not_found_like_a_missing_one(client, owner_a, owner_b):
    client.force_login(owner_a.user)
    missing_id = Membership.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    other = client.get(f"{MEMBERSHIPS_URL}{owner_b.pk}/")
    missing = client.get(f"{MEMBERSHIPS_URL}{missing_id}/")

    assert other.status_code == missing.status_code == 404
    assert error_of(other) == error_of(missing) == {"code": "not_found", "message": "Not found.", "details": {}}
    assert owner_b.user.email.encode() not in other.content


def test_own_membership_is_found(client, owner_a):
    client.force_login(owner_a.user)

    response = client.get(f"{MEMBERSHIPS_URL}{owner_a.pk}/")

    assert response.status_code == 200
    assert response.json()["email"] == owner_a.user.email


def test_user_acting_for_no_organization_is_refused(client, expert):
    client.force_login(expert)

    response = client.get(MEMBERSHIPS_URL)

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "permission_denied"
    assert error["message"] == "This account does not act for any organization."
    assert error["details"] == {}


# --- The handler, through a view that exists only here ----------------------------------------


class EmailInput(serializers.Serializer):
    email = serializers.EmailField()


class FailingView(APIView):
    """Raises whatever it is given, or validates its input when given nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]
    failure: Exception | None = None

    def post(self, request):
        if self.failure is not None:
            raise self.failure
        EmailInput(data=request.data).is_valid(raise_exception=True)
        return Response(status=204)


def call(failure: Exception | None = None, data: object = None):
    request = APIRequestFactory().post("/failing/", data if data is not None else {}, format="json")
    response = FailingView.as_view(failure=failure)(request)
    response.render()
    return response


@pytest.mark.parametrize(
    ("failure", "status_code", "expected"),
    [
        (
            ApplicationError("The budget is spent."),
            400,
            {"code": "invalid", "message": "The budget is spent.", "details": {}},
        ),
        (
            ValidationFailed("Row 3 is invalid.", details={"3": ["external_id is missing"]}),
            400,
            {"code": "invalid", "message": "Row 3 is invalid.", "details": {"3": ["external_id is missing"]}},
        ),
        (
            NotFound("No such project."),
            404,
            {"code": "not_found", "message": "No such project.", "details": {}},
        ),
        (
            Forbidden("Reviewers cannot change the budget.", details={"role": ["reviewer"]}),
            403,
            {
                "code": "permission_denied",
                "message": "Reviewers cannot change the budget.",
                "details": {"role": ["reviewer"]},
            },
        ),
        (
            Conflict("The task is already claimed.", code="already_claimed"),
            409,
            {"code": "already_claimed", "message": "The task is already claimed.", "details": {}},
        ),
    ],
    ids=["application-error", "validation-failed", "not-found", "forbidden", "conflict-with-own-code"],
)
def test_application_error_becomes_the_error_shape_with_its_details(failure, status_code, expected):
    response = call(failure)

    assert response.status_code == status_code
    assert error_of(response) == expected


def test_serializer_errors_are_reported_per_field():
    response = call(data={"email": "not-an-email"})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "The request is invalid; see details for each field.",
        "details": {"email": ["Enter a valid email address."]},
    }


def test_validation_error_without_a_field_is_reported_as_non_field_errors():
    response = call(serializers.ValidationError(["The file is empty."]))

    assert response.status_code == 400
    assert error_of(response)["details"] == {"non_field_errors": ["The file is empty."]}


@pytest.mark.parametrize(
    ("failure", "status_code", "code"),
    [
        (Http404("No Task matches the given query."), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
    ],
)
def test_django_errors_become_the_error_shape_without_their_internal_message(failure, status_code, code):
    response = call(failure)

    assert response.status_code == status_code
    error = error_of(response)
    assert error["code"] == code
    assert "Task" not in error["message"]
    assert error["details"] == {}
