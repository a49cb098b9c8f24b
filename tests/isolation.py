"""Discovers every lab-facing surface and checks that one organization never reaches another's data.

Nothing here lists models or routes: the admin surfaces come from the admin site's registry and the
API surfaces from the URL resolver. A model or route added later is checked without editing this
file, and one that is not scoped by the tenancy mechanism produces a ``Leak``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import factory.django
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.db import models
from django.forms import ModelChoiceField
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from model_bakery import baker

from accounts.models import Organization, User
from marketplace.admin import TenantAdmin
from marketplace.tenancy import is_organization_owned, is_tenant_model
from tests import factories

API_PREFIX = "api/v1/"


@dataclass
class Leak:
    surface: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.surface}] {self.where}: {self.detail}"


# --- making rows of any model -----------------------------------------------------------------


def _factories() -> dict[type[models.Model], type[factory.django.DjangoModelFactory]]:
    found = {}
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            model = value._meta.model
            if isinstance(model, type):
                found.setdefault(model, value)
    return found


def make_row(model: type[models.Model], organization: Organization) -> models.Model:
    """A saved row of ``model`` owned by ``organization`` (with its required parents in the same one)."""
    if model is Organization:
        return organization
    known = _factories().get(model)
    if known is not None:
        return known(organization=organization) if is_organization_owned(model) else known()
    parents = {}
    for f in model._meta.concrete_fields:
        if f.is_relation and not f.null and f.name != "organization":
            parents[f.name] = make_row(f.related_model, organization)
    if is_organization_owned(model):
        parents["organization"] = organization
    return baker.make(model, **parents)


def rows_owned_by(model: type[models.Model], organization: Organization) -> models.QuerySet:
    """Every row of ``model`` that belongs to ``organization`` alone: what its rivals must never see."""
    if model is Organization:
        return Organization.objects.filter(pk=organization.pk)
    if is_organization_owned(model):
        return model._default_manager.filter(organization=organization)
    if model is User:
        return User.objects.filter(memberships__organization=organization).exclude(
            memberships__organization__in=Organization.objects.exclude(pk=organization.pk)
        )
    return model._default_manager.none()


# --- who is looking ---------------------------------------------------------------------------


@dataclass
class Principal:
    """Someone trying to reach data: a client already carrying their credentials."""

    name: str
    client: Client
    is_member: bool  # acts for an organization (and must see that organization's rows)
    headers: dict = field(default_factory=dict)


def session_principal(name: str, user: User, *, is_member: bool) -> Principal:
    client = Client()
    client.force_login(user)
    return Principal(name=name, client=client, is_member=is_member)


# --- the admin --------------------------------------------------------------------------------


def admin_models(site: AdminSite | None = None) -> list[type[models.Model]]:
    site = site or admin.site
    return sorted(site._registry, key=lambda m: m._meta.label)


def _admin_url(site: AdminSite, model, view: str, *args) -> str:
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _snapshot(obj: models.Model) -> dict | None:
    row = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return row


def check_admin_model(
    model: type[models.Model],
    *,
    principal: Principal,
    own: Organization,
    other: Organization,
    site: AdminSite | None = None,
) -> list[Leak]:
    """Everything ``principal`` (acting for ``own``) can reach of ``other``'s rows in the admin."""
    site = site or admin.site
    model_admin = site._registry[model]
    label = model._meta.label
    leaks: list[Leak] = []
    client = principal.client
    theirs = make_row(model, other)
    mine = make_row(model, own)
    before = _snapshot(theirs)

    if is_tenant_model(model) and not isinstance(model_admin, TenantAdmin):
        leaks.append(Leak("admin", label, f"{type(model_admin).__name__} does not extend TenantAdmin"))

    changelist = client.get(_admin_url(site, model, "changelist"))
    if changelist.status_code == 200 and changelist.context and "cl" in changelist.context:
        shown = set(changelist.context["cl"].queryset.values_list("pk", flat=True))
        if theirs.pk in shown:
            leaks.append(Leak("admin", f"{label} changelist", f"lists another organization's row {theirs.pk}"))
        if principal.is_member and is_tenant_model(model) and mine.pk not in shown:
            leaks.append(Leak("admin", f"{label} changelist", "hides the organization's own row (check is blind)"))
    elif changelist.status_code == 200:
        leaks.append(Leak("admin", f"{label} changelist", "answered 200 without a change list"))
    elif principal.is_member and is_tenant_model(model):
        leaks.append(Leak("admin", f"{label} changelist", f"members get {changelist.status_code}"))

    for view in ("change", "delete", "history"):
        url = _admin_url(site, model, view, theirs.pk)
        response = client.get(url)
        if response.status_code == 200 or (is_tenant_model(model) and response.status_code not in (302, 403, 404)):
            leaks.append(Leak("admin", url, f"another organization's row answers {response.status_code}"))
        elif is_tenant_model(model) and principal.is_member and response.status_code != 404:
            leaks.append(Leak("admin", url, f"answers {response.status_code}, not 404 like a missing row"))

    response = client.post(_admin_url(site, model, "delete", theirs.pk), {"post": "yes"})
    if _snapshot(theirs) != before:
        leaks.append(
            Leak("admin", f"{label} delete", f"another organization's row changed (HTTP {response.status_code})")
        )

    add = client.get(_admin_url(site, model, "add"))
    if add.status_code == 200 and add.context and "adminform" in add.context:
        form = add.context["adminform"].form
        for name, form_field in form.fields.items():
            if isinstance(form_field, ModelChoiceField):
                forbidden = rows_owned_by(form_field.queryset.model, other)
                exposed = form_field.queryset.filter(pk__in=forbidden.values("pk"))
                if exposed.exists():
                    leaks.append(Leak("admin", f"{label} add form", f"field {name!r} offers {list(exposed)[:3]}"))

    for field_name in model_admin.autocomplete_fields:
        response = client.get(
            reverse(f"{site.name}:autocomplete"),
            {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name},
        )
        if response.status_code == 200:
            related = model._meta.get_field(field_name).related_model
            offered = {int(item["id"]) for item in response.json()["results"]}
            forbidden = set(rows_owned_by(related, other).values_list("pk", flat=True))
            if offered & forbidden:
                leaks.append(
                    Leak("admin", f"{label} autocomplete {field_name}", f"offers {sorted(offered & forbidden)}")
                )
    return leaks


# --- the API ----------------------------------------------------------------------------------


@dataclass
class ApiRoute:
    name: str
    pattern: str
    view_class: type
    actions: dict[str, str]
    kwargs: list[str]

    @property
    def model(self) -> type[models.Model] | None:
        queryset = getattr(self.view_class, "queryset", None)
        if queryset is not None:
            return queryset.model
        serializer = getattr(self.view_class, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        return getattr(meta, "model", None)

    def methods(self) -> list[str]:
        """The methods the route answers, reads first and DELETE last, so each one finds the row."""
        if self.actions:
            names = {method.upper() for method in self.actions}
        else:
            names = {m.upper() for m in self.view_class.http_method_names if hasattr(self.view_class, m)}
        names -= {"OPTIONS", "HEAD", "TRACE"}
        order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return sorted(names, key=lambda m: order.index(m) if m in order else len(order))


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def api_routes(urlconf=None) -> list[ApiRoute]:
    """Every DRF view under the API prefix, from the URL resolver itself."""
    routes = []
    for pattern, namespace, entry in _walk(get_resolver(urlconf).url_patterns):
        pattern = pattern.lstrip("^")
        view_class = getattr(entry.callback, "cls", None)
        if not pattern.startswith(API_PREFIX) or view_class is None:
            continue
        if getattr(view_class, "isolation_exempt", False):
            continue
        name = f"{namespace}{entry.name}" if entry.name else ""
        routes.append(
            ApiRoute(
                name=name,
                pattern=pattern,
                view_class=view_class,
                actions=dict(getattr(entry.callback, "actions", None) or {}),
                kwargs=sorted(entry.pattern.converters) or sorted(entry.pattern.regex.groupindex),
            )
        )
    return sorted(routes, key=lambda r: (r.pattern, r.name))


def _ids(payload) -> set[str]:
    """The ids of the objects a response is about: the object itself, or the items of a list or page."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        payload = payload["results"]
    items = payload if isinstance(payload, list) else [payload]
    return {str(item["id"]) for item in items if isinstance(item, dict) and "id" in item}


def check_api_route(
    route: ApiRoute,
    *,
    principal: Principal,
    own: Organization,
    other: Organization,
    urlconf=None,
    request_body: Callable[[], dict] = dict,
) -> list[Leak]:
    leaks: list[Leak] = []
    model = route.model
    where = f"{route.pattern} ({route.name or 'unnamed'})"
    if model is None:
        return [Leak("api", where, "cannot tell which model this view serves: declare `queryset`")]
    if not route.name:
        return [Leak("api", where, "route has no name, so it cannot be checked")]
    theirs = make_row(model, other)
    mine = make_row(model, own)
    before = _snapshot(theirs)
    client = principal.client

    if route.kwargs:
        url = reverse(route.name, kwargs={kw: theirs.pk for kw in route.kwargs}, urlconf=urlconf)
        for method in route.methods():
            response = client.generic(
                method, url, data=json.dumps(request_body()), content_type="application/json", **principal.headers
            )
            if 200 <= response.status_code < 300:
                leaks.append(
                    Leak("api", f"{method} {url}", f"another organization's row answers {response.status_code}")
                )
            elif principal.is_member and response.status_code != 404:
                leaks.append(Leak("api", f"{method} {url}", f"answers {response.status_code}, not 404"))
            if str(theirs.pk) in _ids(_json(response)):
                leaks.append(Leak("api", f"{method} {url}", "response carries the row's id"))
        if _snapshot(theirs) != before:
            leaks.append(Leak("api", where, "another organization's row was changed"))
        if principal.is_member:
            own_url = reverse(route.name, kwargs={kw: mine.pk for kw in route.kwargs}, urlconf=urlconf)
            if "GET" in route.methods() and client.get(own_url, **principal.headers).status_code != 200:
                leaks.append(Leak("api", f"GET {own_url}", "the organization's own row is not found (check is blind)"))
    elif "GET" in route.methods():
        url = reverse(route.name, urlconf=urlconf)
        response = client.get(url, **principal.headers)
        ids = _ids(_json(response))
        if 200 <= response.status_code < 300 and str(theirs.pk) in ids and str(theirs.pk) != str(mine.pk):
            leaks.append(Leak("api", f"GET {url}", f"lists another organization's row {theirs.pk}"))
        if principal.is_member and response.status_code != 200:
            leaks.append(Leak("api", f"GET {url}", f"members get {response.status_code}"))
        elif not principal.is_member and 200 <= response.status_code < 300:
            leaks.append(Leak("api", f"GET {url}", f"someone outside every organization gets {response.status_code}"))
    return leaks


def _json(response):
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None
