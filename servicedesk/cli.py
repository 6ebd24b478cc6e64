"""The ``servicedesk`` command: our commands by their dashed names, and every Django command.

``servicedesk seed-demo --scale large`` runs the management command ``seed_demo``; a name that is
not in ``COMMANDS`` is passed to Django with its dashes turned into underscores, so
``servicedesk migrate`` or ``servicedesk shell`` work as with ``manage.py``.

To add a command (e.g. the background ``worker``): write the management command and add one
``Command`` line to ``COMMANDS``; it then shows in ``servicedesk --help``.
"""

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SETTINGS_MODULE = "servicedesk.settings"


def gettext_noop(message: str) -> str:
    """Marks a string for makemessages; Django's own gettext_noop needs settings, which the CLI
    must not load before it has set DJANGO_SETTINGS_MODULE."""
    return message


@dataclass(frozen=True)
class Command:
    name: str  # what people type
    management_command: str  # the Django management command it runs
    summary: str  # one line for `servicedesk --help` (marked for translation, translated when shown)


COMMANDS: tuple[Command, ...] = (
    Command("demo", "demo", gettext_noop(
        "try it: SQLite in ./data, migrations, demo data when empty, server on http://127.0.0.1:8000, "
        "logins printed  [--port 8000] [--no-seed]")),
    Command("serve", "serve", gettext_noop(
        "production server (gunicorn); needs SECRET_KEY, reads DATABASE_URL  [--bind "
        "0.0.0.0:8000] [--workers N]")),
    Command("seed-demo", "seed_demo", gettext_noop(
        "generate demo data  --scale small|medium|large [--seed N] [--append | --reset]")),
    Command("import-network", "import_network", gettext_noop(
        "import network devices and service-point attachments from CSV  FILE [--dry-run]")),
    Command("create-token", "create_token", gettext_noop(
        "issue an API bearer token for a user (shown once)  USERNAME")),
    Command("migrate", "migrate", gettext_noop("apply database migrations (once per release)")),
    Command("createsuperuser", "createsuperuser", gettext_noop("create an administrator account")),
    Command("collectstatic", "collectstatic", gettext_noop(
        "copy static files to STATIC_ROOT (optional: WhiteNoise serves them anyway)")),
    Command("check", "check", gettext_noop("system checks (add --deploy for production settings)")),
    Command("shell", "shell", gettext_noop("Python shell with the project loaded")),
    Command("worker", "worker", gettext_noop(
        "background jobs: SLA warnings every minute, e-mail, recomputation  [-w N]")),
)

_BY_NAME = {command.name: command for command in COMMANDS}


def management_command_name(name: str) -> str:
    """``seed-demo`` → ``seed_demo``; unknown names keep working as Django commands."""
    command = _BY_NAME.get(name)
    if command is not None:
        return command.management_command
    return name.replace("-", "_")


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the command's own help: English when the first of LANGUAGE, LC_ALL,
    LC_MESSAGES and LANG that is set (gettext's order) begins with "en", else Simplified Chinese
    (the project's default)."""
    environ = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh-hans"
    return "zh-hans"


def usage(language: str | None = None) -> str:
    from django.utils.translation import gettext as _
    from django.utils.translation import override

    with override(language or cli_language()):
        return _usage_text(_)


def _usage_text(_: Callable[[str], str]) -> str:
    width = max(len(command.name) for command in COMMANDS)
    lines = [
        _("Usage: servicedesk COMMAND [options]"),
        "",
        _("Commands:"),
        *(f"  {command.name:<{width}}  {_(command.summary)}" for command in COMMANDS),
        "",
        _("Any other Django management command works too (dashes or underscores): servicedesk "
          "help --commands."),
        _("Options of a command: servicedesk COMMAND --help."),
    ]
    return "\n".join(lines)


def _setup_django() -> None:
    import django

    django.setup()


def _data_folder_ensure(arguments: list[str]) -> None:
    """The embedded SQLite database lives in the data folder: created for a command that may open
    it, never for help (which once left a ./data folder wherever it ran)."""
    if arguments[0] == "help" or "-h" in arguments or "--help" in arguments or "DATABASE_URL" in os.environ:
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if not arguments or arguments == ["help"] or arguments[0] in ("-h", "--help"):
        _setup_django()
        print(usage())
        return
    _data_folder_ensure(arguments)
    if arguments[0] == "help" and len(arguments) > 1 and not arguments[1].startswith("-"):
        arguments[1] = management_command_name(arguments[1])
    else:
        arguments[0] = management_command_name(arguments[0])

    from django.core.management import execute_from_command_line

    execute_from_command_line(["servicedesk", *arguments])


if __name__ == "__main__":
    main()
