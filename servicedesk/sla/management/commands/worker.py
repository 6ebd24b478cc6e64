"""``servicedesk worker [-w N]``: run the background jobs (SLA warning sweep every minute, e-mail,
recomputation after configuration changes).

Wraps huey's consumer on the queue configured in settings.HUEY: a SQLite file in the data folder
by default (one machine), Redis with REDIS_URL (any number of workers on any number of machines;
every job is safe to run concurrently, see sla.services).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig


class Command(BaseCommand):
    help = "Run the background worker (SLA warnings every minute, e-mail, recomputation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-w", "--workers", type=int, default=None,
                            help="Worker threads (default from settings.HUEY, 2).")
        parser.add_argument("-k", "--worker-type", choices=["thread", "process"], default=None,
                            help="thread (default) or process.")
        parser.add_argument("--no-periodic", action="store_true", help="Do not run the every-minute sweep.")

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        huey_settings: dict[str, Any] = settings.HUEY if isinstance(settings.HUEY, dict) else {}
        consumer_options = dict(huey_settings.get("consumer", {}))
        if options["workers"] is not None:
            consumer_options["workers"] = options["workers"]
        if options["worker_type"]:
            consumer_options["worker_type"] = options["worker_type"]
        if options["no_periodic"]:
            consumer_options["periodic"] = False
        autodiscover_modules("tasks")
        config = ConsumerConfig(**consumer_options)
        config.validate()
        logger = logging.getLogger("huey")
        if not logger.handlers:
            config.setup_logger(logger)
            # Its own handler prints each line; passed on to the root's console handler
            # (settings.LOGGING) it printed every line twice (issue 10 item 13).
            logger.propagate = False
        HUEY.create_consumer(**config.values).run()
