"""Contact records (接触记录): every interaction, in or out, customer or not (INT-1, INT-3)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    HALL = "hall", _("Service hall visit")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web portal")
    APP = "app", _("Mobile app")
    KIOSK = "kiosk", _("Self-service terminal")
    KEY_ACCOUNT_MANAGER = "kam", _("Key account manager")


class ContactRecord(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class ReporterKind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        NON_CUSTOMER = "non_customer", _("Non-customer (police, passer-by…)")  # 004 step 2
        UNIDENTIFIED = "unidentified", _("Could not be identified")  # 004 step 6.2

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered on the spot")  # INT-5: first-contact resolution
        REQUEST_CREATED = "request_created", _("Service request created")
        LINKED = "linked", _("Linked to an existing request")
        INFORMATION_RECORDED = "information_recorded", _("Information recorded")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT,
                              related_name="contacts_taken")
    reporter_kind = models.CharField(_("reporter"), max_length=20, choices=ReporterKind.choices,
                                     default=ReporterKind.CUSTOMER)
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True, db_index=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="contacts")
    service_point = models.ForeignKey("customers.ServicePoint", verbose_name=_("service point"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="contacts")
    request_type = models.ForeignKey("tickets.RequestType", verbose_name=_("topic"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="contacts")
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices,
                               default=Outcome.INFORMATION_RECORDED)
    first_contact_resolution = models.BooleanField(_("resolved on first contact"), default=False)
    # The request this contact created or was linked to (many calls may concern one request).
    request = models.ForeignKey("tickets.ServiceRequest", verbose_name=_("request"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="contacts")

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [models.Index(fields=["customer", "-started_at"], name="contact_customer_recent")]

    @property
    def reference(self) -> str:
        return f"C{self.pk:08d}"

    def __str__(self) -> str:
        return self.reference
