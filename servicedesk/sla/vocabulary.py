"""The events and statuses of each timed subject, with their labels, for the policy admin (SLA-2).

A target's ``start_event`` and ``stop_event`` name actions or statuses of its subject (``created``,
``accept``, ``accepted, dispatched``) and ``pause_statuses`` its statuses; the engine matches them
as text. Which ones exist is known to the app that owns the subject's workflow, which sits above
this one (STYLE.md, layers): it registers them at start-up (``TicketsConfig.ready``), and the
admin offers them by their labels instead of asking for codes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise
Choices = list[tuple[str, list[tuple[str, str]]]]  # Django's grouped choices: (group, [(code, label)])


@dataclass(frozen=True)
class SubjectVocabulary:
    name: Label  # "Service request"
    actions: Sequence[tuple[str, Label]]  # ("created", "Created"), ("accept", "Accept") …
    statuses: Sequence[tuple[str, Label]]  # ("accepted", "Accepted") …


_VOCABULARIES: dict[str, SubjectVocabulary] = {}


def register_subject_vocabulary(subject_type: str, vocabulary: SubjectVocabulary) -> None:
    _VOCABULARIES[subject_type] = vocabulary


def _subjects(subject_type: str | None) -> list[SubjectVocabulary]:
    if subject_type in _VOCABULARIES:
        return [_VOCABULARIES[subject_type]]
    return list(_VOCABULARIES.values())  # the policy's subject is not chosen yet: every one


def _prefixed(vocabulary: SubjectVocabulary, several: bool, group: Label) -> str:
    return f"{vocabulary.name} · {group}" if several else str(group)


def event_choices(subject_type: str | None) -> Choices:
    """What may start or stop a clock: the subject's actions, and the statuses it enters."""
    subjects = _subjects(subject_type)
    several = len(subjects) > 1
    choices: Choices = []
    for vocabulary in subjects:
        choices.append((_prefixed(vocabulary, several, _("Actions")),
                        [(code, str(label)) for code, label in vocabulary.actions]))
        choices.append((_prefixed(vocabulary, several, _("Status reached")),
                        [(code, str(label)) for code, label in vocabulary.statuses]))
    return choices


def status_choices(subject_type: str | None) -> Choices:
    """The statuses a clock may stand still in."""
    subjects = _subjects(subject_type)
    several = len(subjects) > 1
    return [(_prefixed(vocabulary, several, _("Statuses")),
             [(code, str(label)) for code, label in vocabulary.statuses])
            for vocabulary in subjects]
