"""SLA engine (SLA-1..SLA-5): working calendars, policies and timers.

This package starts with its pure core: ``calendar`` (working-time arithmetic on a calendar value
object) and ``official`` (China's official holidays and adjusted working days). Models, policies
and timers build on them; nothing here touches the database.
"""
