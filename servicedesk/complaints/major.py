"""Major complaints (CMP-3, 002 §5 (二) 3): rules kept as data (``MajorRule``) say when a complaint
is major; each rule that holds gives one reason, kept with the complaint."""

from servicedesk.complaints.models import Complaint, MajorRule
from servicedesk.core.messages import Message, message, typed


def _rule_holds(rule: MajorRule, complaint: Complaint) -> bool:
    request = complaint.request
    customer = request.customer
    if rule.kind == MajorRule.Kind.REOPENED:
        return complaint.reopen_count >= (rule.number or 2)
    if rule.kind == MajorRule.Kind.REPEAT_DEPTH:
        return complaint.repeat_depth >= (rule.number or 2)
    if rule.kind == MajorRule.Kind.KEY_ACCOUNT:
        return customer is not None and customer.is_key_account
    if rule.kind == MajorRule.Kind.WORDS:
        text = f"{request.subject}\n{request.description}"
        return any(str(word) and str(word) in text for word in rule.words)
    if rule.kind == MajorRule.Kind.CUSTOMER_CLASS:
        return (
            customer is not None
            and bool(rule.customer_class)
            and customer.customer_class == rule.customer_class
        )
    return False


def major_reasons(complaint: Complaint) -> list[Message]:
    """A reason for each active rule that holds for the complaint now."""
    return [
        message("complaint_major_rule", rule=typed(rule.name))
        for rule in MajorRule.objects.filter(active=True)
        if _rule_holds(rule, complaint)
    ]
