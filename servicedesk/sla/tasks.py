"""Background jobs of the SLA engine (SLA-4, SLA-5, issue 10 item 14), run by ``servicedesk worker``.

Thin on purpose: each job calls a service of ``sla.services``, where the transactions and the
exactly-once rules live (so tests and benchmarks call the same code without a queue).
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from servicedesk.sla.recompute import (
    provisional_calendar_warn,
    provisional_timers_refresh,
    sla_recompute,
    sla_recompute_pending,
)
from servicedesk.sla.services import notifications_email, warnings_sweep

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep_periodic() -> None:
    """Every minute: fire the warnings reached (SLA-4), then mail what they produced."""
    report = warnings_sweep()
    if report.timers:
        logger.info("SLA sweep: %s", report)
    if recomputed := sla_recompute_pending():
        logger.info("SLA: %d timers recomputed for changes whose recomputation had not run", recomputed)


@db_periodic_task(crontab(minute="7"))
def provisional_calendar_periodic() -> None:
    """Every hour: clear the provisional mark of clocks whose year a package update announced, and
    warn the administrators (at most once a day, so that a worker started late still warns that
    day) while due times are provisional."""
    provisional_timers_refresh()
    if provisional_calendar_warn() is not None:
        logger.warning("SLA: due times are provisional (official holidays not announced); "
                       "administrators told")


@db_task()
def sla_sweep_task() -> None:
    """The same sweep on demand (tests, after a bulk import)."""
    warnings_sweep()


@db_task()
def notifications_email_task() -> None:
    notifications_email()


@db_task()
def sla_recompute_task(change_id: int) -> None:
    sla_recompute(change_id=change_id)
