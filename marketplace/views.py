from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from marketplace.health import health_report


@require_safe
def home(request: HttpRequest):
    return render(request, "marketplace/home.html")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    user = request.user
    report = health_report(detailed=settings.DEBUG or (user.is_authenticated and user.is_platform_staff))
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
