"""Writes of customers' accounts."""

from decimal import Decimal

from django.db.models import F

from servicedesk.core.transactions import unit
from servicedesk.customers.models import Account


@unit()
def account_credit(*, account: Account, amount: Decimal) -> Account:
    """Credit the account (a refund): what is owed goes down, below zero when it is a credit."""
    Account.objects.filter(pk=account.pk).update(amount_owed=F("amount_owed") - amount)
    account.refresh_from_db(fields=["amount_owed"])
    return account
