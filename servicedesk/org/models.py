"""Organisation units, service providers and users (SPEC glossary and roles)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.org.roles import Capability, Role, user_can


class BilingualNameMixin(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.display_name


class OrgUnit(BilingualNameMixin):
    """A business office, department, hotline team or other unit of the utility."""

    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", _("Service centre")
        CALL_CENTRE = "call_centre", _("Call centre")
        TEAM = "team", _("Team")
        BUSINESS_OFFICE = "business_office", _("Business office")
        ENGINEERING = "engineering", _("Engineering department")
        DEPARTMENT = "department", _("Department")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent unit"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    lead = models.ForeignKey("org.User", verbose_name=_("lead"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="led_units")
    # "Local business office" routing (INT-7, 003 §8.2): the districts this unit serves.
    districts = models.JSONField(_("districts served"), default=list, blank=True,
                                 help_text=_("District names this unit covers, e.g. [\"福田区\"]."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["code"]


class Provider(BilingualNameMixin):
    """A service provider / work centre: an internal crew or an external partner (SI)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal work centre")
        EXTERNAL = "external", _("External partner")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("owning unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="providers")
    crew_types = models.JSONField(_("crew types"), default=list, blank=True,
                                  help_text=_("Kinds of work this provider's crews do, e.g. [\"hv_cable\"]."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["code"]


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.AGENT)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="members")
    provider = models.ForeignKey(Provider, verbose_name=_("provider"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="staff",
                                 help_text=_("For provider staff: the provider whose work they see."))
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="portal_users",
                                 help_text=_("For self-service users: the customer they are."))
    # INT-8: agents who are at their desk receive callbacks and follow-ups.
    available = models.BooleanField(_("available for callbacks"), default=True)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True,
                                          choices=[("zh-hans", "简体中文"), ("en", "English")])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def can(self, capability: Capability) -> bool:
        return user_can(self, capability)

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name
