"""``create_token USERNAME [--name NAME]``: issue an API token and print it once."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicedesk.core.services import token_create


class Command(BaseCommand):
    help = "Issue an API bearer token for a user. The token is printed once and cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the integration's name.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        if not user.is_active:
            raise CommandError(
                f"User {user.username!r} is inactive; an inactive user's token would be refused.")
        token, raw = token_create(user=user, name=options["name"])
        # The token alone on stdout, so scripts can capture it; the advice goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.prefix}… for {user.username}: store it now, it will not be shown again.")
