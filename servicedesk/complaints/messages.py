"""What the complaint desk writes in histories and notifications, rendered in the reader's
language (core.messages). Imported at start-up (``ComplaintsConfig.ready``)."""

from django.utils.translation import gettext_lazy

from servicedesk.core.messages import MESSAGES

MESSAGES.update(
    {
        "complaint_taken": gettext_lazy("Complaint %(ref)s taken"),
        "complaint_repeat_of": gettext_lazy("Repeat of complaint %(ref)s (repeat no. %(depth)d)"),
        "complaint_repeat_unlinked": gettext_lazy("Not linked to %(ref)s as a repeat: %(reason)s"),
        "complaint_major_rule": gettext_lazy("Major complaint: %(rule)s"),
        "complaint_major_by_hand": gettext_lazy("Flagged major by hand: %(reason)s"),
        "complaint_major_notice": gettext_lazy("Major complaint %(ref)s: %(why)s"),
        "complaint_owner_changed": gettext_lazy("Ownership passed from %(old)s to %(new)s: %(reason)s"),
        "complaint_part_sent": gettext_lazy("Part sent to %(party)s"),
        "complaint_part_answered": gettext_lazy("%(party)s answered"),
        "complaint_part_sent_back": gettext_lazy("Sent back to %(party)s: the customer is not satisfied"),
        "complaint_reopened_unsatisfied": gettext_lazy(
            "The customer is not satisfied (%(opinion)s): reopened"
        ),
        "complaint_closed_satisfied": gettext_lazy("The customer is satisfied: closed"),
        "complaint_refund": gettext_lazy("Refund of %(amount)s yuan to account %(account)s"),
        "complaint_deduction": gettext_lazy("%(amount)s yuan to deduct from %(provider)s's next settlement"),
    }
)
