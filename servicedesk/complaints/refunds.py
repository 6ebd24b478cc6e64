"""Refunds (CMP-7, 002 §7): a wrongly charged fee is refunded double to the customer's account; a
feature fee charged wrongly is refunded in full, paid first by us and verified by the partner.
When a provider caused it, the amount is deducted from its next settlement (a row the providers'
settlement reads)."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.complaints.history import complaint_event
from servicedesk.complaints.models import Complaint, Refund, SettlementDeduction
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import bilingual, message
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Account
from servicedesk.customers.services import account_credit
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability

MULTIPLIER = {Refund.Kind.WRONG_CHARGE: Decimal(2), Refund.Kind.FEATURE_FEE: Decimal(1)}
LIMIT = Decimal("1000000")


@unit()
def refund_record(
    *,
    complaint: Complaint,
    actor: User,
    account: Account,
    charged_wrongly: Decimal,
    reason: str,
    kind: str = Refund.Kind.WRONG_CHARGE,
    provider: Provider | None = None,
) -> Refund:
    """Refund the customer (double for a wrong charge) and, when a provider caused it, record the
    deduction from that provider's next settlement; both in the complaint's history."""
    if not actor.can(Capability.RECORD_REFUNDS):
        raise ActionNotAllowed(_("Your role may not record refunds."))
    if kind not in Refund.Kind.values:
        raise ValidationFailed(_("Unknown kind of refund."), field="kind")
    if not Decimal(0) < charged_wrongly < LIMIT or charged_wrongly != charged_wrongly.quantize(
        Decimal("0.01")
    ):
        raise ValidationFailed(
            _("Give the amount charged wrongly in yuan, more than 0, to the fen."), field="charged_wrongly"
        )
    if not reason.strip():
        raise ValidationFailed(_("Say what was charged wrongly."), field="reason")
    customer_id = complaint.request.customer_id
    if customer_id is None or account.customer_id != customer_id:
        raise ValidationFailed(_("The account is not the complaining customer's."), field="account_id")
    if complaint.status == "cancelled":
        raise Conflict(_("Complaint %(ref)s was withdrawn.") % {"ref": complaint.reference}, field="status")
    amount = charged_wrongly * MULTIPLIER[Refund.Kind(kind)]
    refund = Refund.objects.create(
        complaint=complaint,
        account=account,
        kind=kind,
        charged_wrongly=charged_wrongly,
        amount=amount,
        provider=provider,
        reason=reason.strip(),
        recorded_by=actor,
    )
    account_credit(account=account, amount=amount)
    complaint_event(
        complaint,
        actor=actor,
        action="refund",
        changes={"refund": (None, str(amount))},
        reason=reason,
        message=message("complaint_refund", amount=str(amount), account=account.number),
    )
    if provider is not None:
        SettlementDeduction.objects.create(provider=provider, refund=refund, amount=amount)
        complaint_event(
            complaint,
            actor=actor,
            action="deduction",
            message=message("complaint_deduction", amount=str(amount), provider=bilingual(provider)),
        )
    return refund


@unit()
def refund_verify(*, refund: Refund, actor: User) -> Refund:
    """002 §7: the partner verifies a feature fee we refunded first."""
    if refund.provider_id is None or actor.provider_id != refund.provider_id:
        raise ActionNotAllowed(_("Only the partner who caused the refund verifies it."))
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.verified_by_provider_at is None:
        locked.verified_by_provider_at = timezone.now()
        locked.save(update_fields=["verified_by_provider_at"])
    return locked
