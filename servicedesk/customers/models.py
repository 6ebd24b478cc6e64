"""Customers (business partners), their accounts and service points (SPEC glossary)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.org.models import BilingualNameMixin


class CustomerFlag(BilingualNameMixin):
    """A profile flag that raises priority (004 step 20.2): hospital, government, life support…"""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("customer flag")
        verbose_name_plural = _("customer flags")
        ordering = ["code"]


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class CustomerClass(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        COMMERCIAL = "commercial", _("Commercial")
        INDUSTRIAL = "industrial", _("Industrial")
        PUBLIC_SERVICE = "public_service", _("Public service")
        GOVERNMENT = "government", _("Government")

    number = models.CharField(_("customer number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    customer_class = models.CharField(_("customer class"), max_length=20, choices=CustomerClass.choices,
                                      default=CustomerClass.RESIDENTIAL)
    # Phones are stored as digits only (see customers.phones.normalise_phone), so that a search
    # for "0755-8888 1234" finds "075588881234" through a plain index.
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    flags = models.ManyToManyField(CustomerFlag, verbose_name=_("flags"), blank=True,
                                   related_name="customers")
    key_account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("key account manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="key_accounts",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # The name index for prefix search is created per vendor in migration 0002.

    @property
    def is_key_account(self) -> bool:
        return self.key_account_manager_id is not None

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Account(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("account number"), max_length=20, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="accounts")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    amount_owed = models.DecimalField(_("amount owed"), max_digits=12, decimal_places=2, default=Decimal("0"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.number


class ServicePoint(models.Model):
    """A supply location (用电点 / 接户点): address, connection status and network position."""

    class Utility(models.TextChoices):
        POWER = "power", _("Power")
        WATER = "water", _("Water")

    class ConnectionStatus(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        CUT_UNPAID = "cut_unpaid", _("Cut off for unpaid bills")
        CUT_MOVE_IN_UNREGISTERED = "cut_move_in", _("Cut off: move-in not registered")
        SUSPENDED = "suspended", _("Suspended on request")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("service point number"), max_length=20, unique=True)
    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices, default=Utility.POWER)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="service_points")
    account = models.ForeignKey(Account, verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="service_points")
    # TextField, not CharField: on PostgreSQL the trigram index must see the bare column in
    # `address::text LIKE …`, which it does for text (see migration 0002).
    address = models.TextField(_("address"))
    district = models.CharField(_("district"), max_length=50, db_index=True)
    connection_status = models.CharField(_("connection status"), max_length=20,
                                         choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED)
    meter_number = models.CharField(_("meter number"), max_length=30, blank=True)
    # Position in the network (OUT-1): the transformer or pipe segment that supplies it.
    device = models.ForeignKey("network.Device", verbose_name=_("supplied by"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="service_points")
    # The code of that position as the source system gave it (kept for imports and display).
    network_code = models.CharField(_("network position"), max_length=60, blank=True, db_index=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")

    def __str__(self) -> str:
        return f"{self.number} {self.address}"
