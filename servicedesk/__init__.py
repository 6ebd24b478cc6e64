"""Service desk for utilities: hotline intake, service requests, work orders and field providers."""

__version__ = "0.1.0"
