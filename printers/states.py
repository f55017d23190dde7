"""The states of a print, in one place: their names, which are final, the changes the
queue allows, and the words and icons people read.

why one module: the queue (:mod:`printers.queue`), the station's service
(:mod:`kit.printing`) and the screens (pupil, facilitator, teacher) all speak of the same
states; a second list with other words is a bug waiting for a child to read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ground.i18n import _


class JobStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    SLICED = "sliced"
    QUEUED = "queued"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# a StrEnum hashes as its text: ``"done" in FINAL`` holds for a database row's state too
FINAL = frozenset({JobStatus.REFUSED, JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})
# waiting, preparing or printing; plain text, as a database query takes it
ACTIVE = tuple(s.value for s in JobStatus if s not in FINAL)
TRANSITIONS: dict[JobStatus, set[JobStatus]] = {
    JobStatus.SUBMITTED: {JobStatus.APPROVED, JobStatus.REFUSED, JobStatus.CANCELLED},
    JobStatus.APPROVED: {JobStatus.SLICED, JobStatus.FAILED, JobStatus.CANCELLED},
    JobStatus.SLICED: {JobStatus.QUEUED, JobStatus.CANCELLED},
    JobStatus.QUEUED: {JobStatus.PRINTING, JobStatus.CANCELLED, JobStatus.FAILED},
    JobStatus.PRINTING: {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED},
    JobStatus.FAILED: {JobStatus.QUEUED},  # retry, by a person only
}


@dataclass(frozen=True)
class StateWords:
    """How a state is written: ``name`` in a sentence ("impossible de passer de « refusé »
    à « accepté »"), ``label`` on a job's line (what happens next), ``icon`` beside it.
    Callables: translated when shown, in the reader's language."""

    name: Callable[[], str]
    label: Callable[[], str]
    icon: str


WORDS: dict[JobStatus, StateWords] = {
    JobStatus.SUBMITTED: StateWords(lambda: _("envoyé"),
                                    lambda: _("envoyé, en attente de l'animateur"), "📨"),
    JobStatus.APPROVED: StateWords(lambda: _("accepté"),
                                   lambda: _("accepté, bientôt préparé"), "👍"),
    JobStatus.REFUSED: StateWords(lambda: _("refusé"), lambda: _("refusé"), "✋"),
    JobStatus.SLICED: StateWords(lambda: _("prêt à imprimer"),
                                 lambda: _("préparé pour l'imprimante"), "🔪"),
    JobStatus.QUEUED: StateWords(lambda: _("en attente d'une imprimante"),
                                 lambda: _("en attente d'une imprimante"), "⏳"),
    JobStatus.PRINTING: StateWords(lambda: _("en cours d'impression"),
                                   lambda: _("en cours d'impression"), "🖨️"),
    JobStatus.DONE: StateWords(lambda: _("terminé"), lambda: _("imprimé"), "🎉"),
    JobStatus.FAILED: StateWords(lambda: _("échoué"), lambda: _("échoué"), "⚠️"),
    JobStatus.CANCELLED: StateWords(lambda: _("annulé"), lambda: _("annulé"), "🚫"),
}


def _words(state: str) -> StateWords | None:
    try:
        return WORDS[JobStatus(state)]
    except ValueError:
        return None


def state_name(state: str) -> str:
    """The state's name inside a sentence (an unknown state is shown as it is)."""
    words = _words(state)
    return words.name() if words else state


def state_label(state: str) -> str:
    """The state on a job's line, as the pupils and the facilitator read it."""
    words = _words(state)
    return words.label() if words else state


def state_icon(state: str) -> str:
    words = _words(state)
    return words.icon if words else ""
