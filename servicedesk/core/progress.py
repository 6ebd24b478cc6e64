"""Progress of long jobs (seeding, imports, benchmarks): a factory of bars, tqdm's shape.

A job takes ``progress: ProgressFactory | None``; the command line passes one that draws a tqdm bar,
tests and the web pass nothing and get ``silent``.
"""

from collections.abc import Callable
from typing import Any, Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> None: ...


# (description, total or None, unit) -> a progress bar, e.g. tqdm.
ProgressFactory = Callable[[str, int | None, str], Progress]


class SilentProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def silent(description: str, total: int | None, unit: str) -> Progress:
    return SilentProgress()
