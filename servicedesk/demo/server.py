"""Gunicorn, run inside the `servicedesk` process (``demo`` and ``serve``).

The application is loaded once in the master (``preload_app``) and the workers are forked from
it, so a worker is ready in milliseconds. Database connections opened by the master (migrations,
seeding) are closed before forking: a connection must never be shared between processes.
"""

import os
from collections.abc import Callable
from typing import Any

from django.db import connections
from gunicorn.app.base import BaseApplication


class ServiceDeskServer(BaseApplication):
    def __init__(self, application: Callable[..., Any], options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        return self.application


def default_workers() -> int:
    """WEB_CONCURRENCY if set (the usual platform convention), else 2 × CPUs + 1 (gunicorn's advice)."""
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return 2 * (os.cpu_count() or 1) + 1


def run_server(*, bind: str, workers: int, threads: int = 4, timeout: int = 60, access_log: bool = True,
               log_level: str = "info", when_ready: Callable[[Any], None] | None = None) -> None:
    """Serve the Django application until stopped (Ctrl-C or SIGTERM: graceful shutdown)."""
    from servicedesk.wsgi import application

    connections.close_all()
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        # Threads let one worker wait on the database for one request while serving another; with
        # one thread, gunicorn's plain sync worker does the same work with less bookkeeping per call.
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "preload_app": True,
        "timeout": timeout,
        "graceful_timeout": 20,
        # Recycle workers now and then, so a slow leak never takes the server down.
        "max_requests": 20000,
        "max_requests_jitter": 2000,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": log_level,
        "proc_name": "servicedesk",
        # No control socket: several servers (tests, demo beside serve) must not fight over one path.
        "control_socket_disable": True,
        "when_ready": when_ready,
    }
    forwarded = os.environ.get("FORWARDED_ALLOW_IPS")
    if forwarded:
        options["forwarded_allow_ips"] = forwarded
    ServiceDeskServer(application, options).run()
