"""REST endpoints of the organisation: who am I, units, providers; and the short forms of units,
providers and users that the other apps' answers embed."""

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Query, Router, Schema

from servicedesk.core.api import (
    Page,
    PageParams,
    current_user,
    paginate,
    require,
)
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import ROLE_CAPABILITIES, Capability, roles_with

router = Router(tags=["organisation"])

# Every staff role; customers (self-service) have no business with the organisation chart.
STAFF_CAPABILITIES = tuple(c for c in Capability if c != Capability.VIEW_OWN_REQUESTS)


class UserBrief(Schema):
    id: int
    username: str
    display_name: str


class UnitBrief(Schema):
    id: int
    code: str
    name: str

    @staticmethod
    def resolve_name(unit: OrgUnit) -> str:
        return unit.display_name


class ProviderBrief(Schema):
    id: int
    code: str
    name: str

    @staticmethod
    def resolve_name(provider: Provider) -> str:
        return provider.display_name


class UnitOut(UnitBrief):
    kind: str
    parent_id: int | None
    districts: list[str]
    active: bool


class ProviderOut(ProviderBrief):
    kind: str
    unit: UnitBrief | None
    crew_types: list[str]
    phone: str
    active: bool


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    capabilities: list[str]
    unit: UnitBrief | None
    provider: ProviderBrief | None
    customer_id: int | None
    language: str

    @staticmethod
    def resolve_capabilities(user: User) -> list[str]:
        return sorted(ROLE_CAPABILITIES.get(user.role, frozenset()))

    @staticmethod
    def resolve_language(user: User) -> str:
        return get_language() or ""


class UnitFilters(PageParams):
    kind: OrgUnit.Kind | None = None
    active: bool | None = None


class ProviderFilters(PageParams):
    kind: Provider.Kind | None = None
    active: bool | None = None


@router.get("/me", response=MeOut, summary="The signed-in user",
            description="Who the caller is: role, capabilities, unit, provider, language.\n\n"
                        "**Roles:** every authenticated user.")
def me(request: HttpRequest) -> User:
    user = current_user(request)
    if user.unit_id or user.provider_id:
        user = User.objects.select_related("unit", "provider").get(pk=user.pk)
    return user


@router.get("/units", response=Page[UnitOut], summary="Organisation units",
            description="Units ordered by code; filters `kind`, `active`."
                        f"\n\n**Roles:** {roles_with(*STAFF_CAPABILITIES)}.")
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> dict:
    require(current_user(request), *STAFF_CAPABILITIES)
    units = OrgUnit.objects.order_by("code", "id")
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.active is not None:
        units = units.filter(active=filters.active)
    return paginate(units, filters)


@router.get("/providers", response=Page[ProviderOut], summary="Service providers (work centres)",
            description="Providers ordered by code; filters `kind`, `active`."
                        f"\n\n**Roles:** {roles_with(*STAFF_CAPABILITIES)}.")
def provider_list(request: HttpRequest, filters: Query[ProviderFilters]) -> dict:
    require(current_user(request), *STAFF_CAPABILITIES)
    providers = Provider.objects.select_related("unit").order_by("code", "id")
    if filters.kind:
        providers = providers.filter(kind=filters.kind)
    if filters.active is not None:
        providers = providers.filter(active=filters.active)
    return paginate(providers, filters)
