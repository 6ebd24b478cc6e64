"""Contact records (接触记录): every interaction, in or out, customer or not (INT-1, INT-3)."""

from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from servicedesk.contacts.callback_pages import CallbackPage, callback_page
from servicedesk.core.messages import render, render_html
from servicedesk.core.prepared import PreparedInsert


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    HALL = "hall", _("Service hall visit")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web portal")
    APP = "app", _("Mobile app")
    KIOSK = "kiosk", _("Self-service terminal")
    KEY_ACCOUNT_MANAGER = "kam", _("Key account manager")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Automated voice call")


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
        # The fault call (004): where the flow ended.
        CONNECTION_CUT = "connection_cut", _("Supply cut: told how to be reconnected")  # OUT-4
        PLANNED_OUTAGE = "planned_outage", _("Planned outage: told again")  # 004 step 12
        OUTAGE_LINKED = "outage_linked", _("Linked to a known outage")  # OUT-2
        SELF_HELP = "self_help", _("Solved with a guided self-check")  # OUT-5

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices,
                                 default=Direction.INBOUND)
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
    # The steps of a guided flow (the 004 fault call), in order: [{"step", "result", …}].
    steps = models.JSONField(_("steps"), default=list, blank=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [models.Index(fields=["customer", "-started_at"], name="contact_customer_recent")]

    @property
    def reference(self) -> str:
        return f"C{self.pk:08d}"

    def __str__(self) -> str:
        return self.reference


class Callback(models.Model):
    """A call the desk owes a customer (INT-8): after a restoration, a result, a follow-up.

    Routed when created: a key account to its key account manager, anyone else to the available
    agent with the fewest open callbacks (``contacts.services.callback_create``).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To call")
        DONE = "done", _("Called back")
        UNREACHABLE = "unreachable", _("Could not be reached")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        # INT-5: tell the customer how their request ended (a complaint's reply, 002 §5 (四) 2).
        RESULT = "result", _("Result of a request")
        # OUT-6: supply is back after an outage the customer reported.
        RESTORATION = "restoration", _("Supply restored")
        OTHER = "other", _("Other")

    class Satisfaction(models.TextChoices):
        """The customer's opinion heard on the callback (CMP-6; 002 §5: 满意 / 一般 / 很差)."""

        SATISFIED = "satisfied", _("Satisfied")
        AVERAGE = "average", _("Average")
        VERY_POOR = "very_poor", _("Very poor")

    OPEN_STATUSES = (Status.OPEN,)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    reason = models.CharField(_("reason"), max_length=200)
    # The reason as what happened (core.messages), rendered in the reader's language.
    message = models.JSONField(_("reason as a message"), default=dict, blank=True, editable=False)
    source = models.CharField(_("about"), max_length=40, blank=True,
                              help_text=_("Reference of what the callback is about, e.g. an outage."))
    contact = models.ForeignKey(ContactRecord, verbose_name=_("original contact"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="callbacks")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="callbacks")
    request = models.ForeignKey("tickets.ServiceRequest", verbose_name=_("request"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="callbacks")
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="callbacks")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.TextField(_("result"), blank=True)
    # CMP-6: recorded when the customer was reached; required on a result callback.
    satisfaction = models.CharField(_("customer's opinion"), max_length=20, choices=Satisfaction.choices,
                                    blank=True)
    satisfaction_comment = models.TextField(_("customer's comment"), blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["assigned_to", "status", "created_at"], name="callback_queue")]
        constraints = [
            # INT-5: a request owes the customer one result call at a time (a reopened and again
            # resolved request gets a new one once the first is made).
            models.UniqueConstraint(fields=["request"], condition=Q(kind="result", status="open"),
                                    name="callback_one_open_result_per_request"),
        ]

    @property
    def reference(self) -> str:
        return f"CB{self.pk:07d}"

    @property
    def display_reason(self) -> str:
        """The reason in the reader's language (or as it was written, for a reason typed or older)."""
        return render(self.message, self.reason)

    @property
    def display_reason_html(self) -> SafeString:
        return render_html(self.message, self.reason)

    @property
    def work_page(self) -> CallbackPage | None:
        """The page where this callback's work is recorded (a survey's questions), if any."""
        return callback_page(self.source) if self.source else None

    def __str__(self) -> str:
        return self.reference


class EvidenceStorage(Storage):
    """Where evidence files are kept: settings.STORAGES["evidence"] (the data folder by default),
    never a folder served as static or media files; they are read through views that check who
    asks (``contacts.evidence.evidence_download``).

    A FileField resolves its storage once, when the model class is built; this stand-in looks
    ``storages["evidence"]`` up on every use instead, so that a change of STORAGES (a deployment's
    settings read late, a test's temporary folder) is followed."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__"):
            return object.__getattribute__(self, name)
        return getattr(storages["evidence"], name)


_EVIDENCE_STORAGE = EvidenceStorage()


def evidence_storage() -> Storage:
    return _EVIDENCE_STORAGE


def evidence_path(evidence: "CallbackEvidence", filename: str) -> str:
    # The name is the content's hash (set by the service): a retried upload finds its own file.
    return f"callbacks/{evidence.callback_id}/{filename}"


class CallbackEvidence(models.Model):
    """A recording of a callback or the customer's signed confirmation (CMP-6; 002 §5 (三) 2 (6):
    "以录音或客户签字认可等形式"), checked by its content when uploaded."""

    class Kind(models.TextChoices):
        RECORDING = "recording", _("Recording")
        SIGNATURE = "signature", _("Signed confirmation")

    callback = models.ForeignKey(Callback, verbose_name=_("callback"), on_delete=models.PROTECT,
                                 related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, storage=evidence_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("callback evidence")
        verbose_name_plural = _("callback evidence")
        constraints = [models.UniqueConstraint(fields=["callback", "sha256"],
                                               name="callback_evidence_unique_content")]

    def __str__(self) -> str:
        return f"{self.callback_id}:{self.original_name or self.pk}"


class OutboundMessage(models.Model):
    """A message sent to a caller through a gateway (SMS or automated voice): an ETR change, a
    restoration. Sent by the background worker through ``contacts.gateways``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.SMS)
    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="messages")
    contact = models.ForeignKey(ContactRecord, verbose_name=_("in answer to"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="messages")
    source = models.CharField(_("about"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    gateway = models.CharField(_("gateway"), max_length=100, blank=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [models.Index(fields=["customer", "-created_at"], name="message_customer_recent")]

    def __str__(self) -> str:
        return f"{self.channel} {self.phone}"


# The hot paths' INSERT of a contact (request creation, fault calls), built once per process.
CONTACT_INSERT = PreparedInsert(ContactRecord)
