"""The print job's life, without any printer (the dispatcher is tested on OctoPrint)."""

from __future__ import annotations

import pytest

from printers.queue import InvalidTransitionError, PrintOrder
from printers.states import JobStatus


def sliced_job(job_id: str = "j1") -> PrintOrder:
    job = PrintOrder(id=job_id, group="Les Lynx", title="Porte-clés")
    job.approve()
    job.mark_sliced("/tmp/x.gcode", 900)
    return job


def test_happy_path_is_recorded() -> None:
    job = sliced_job()
    job.enqueue()
    job.start_printing("imprimante-1")
    job.finish()
    assert job.status == JobStatus.DONE and job.progress == 100.0
    assert [h[0] for h in job.history] == ["approved", "sliced", "queued", "printing", "done"]


def test_refusal_needs_a_reason_and_is_final() -> None:
    job = PrintOrder(id="j2", group="G", title="Badge")
    with pytest.raises(ValueError, match="Indiquez pourquoi"):
        job.refuse("  ")
    job.refuse("Trop grand pour le plateau")
    assert job.status == JobStatus.REFUSED and job.reason == "Trop grand pour le plateau"
    with pytest.raises(InvalidTransitionError,
                       match="« Badge » : impossible de passer de « refusé » à « accepté »"):
        job.approve()


@pytest.mark.parametrize("action", ["finish", "enqueue"])
def test_skipping_steps_is_refused(action: str) -> None:
    job = PrintOrder(id="j3", group="G", title="Objet")
    with pytest.raises(InvalidTransitionError):
        getattr(job, action)()


def test_a_done_job_can_never_be_printed_again() -> None:
    job = sliced_job()
    job.enqueue()
    job.start_printing("p")
    job.finish()
    for action in (job.enqueue, job.retry, lambda: job.start_printing("p")):
        with pytest.raises(InvalidTransitionError):
            action()


def test_failed_job_is_retried_only_on_purpose() -> None:
    job = sliced_job()
    job.enqueue()
    job.start_printing("p")
    job.fail("interrompue")
    first_name = job.remote_name
    job.retry()
    assert job.status == JobStatus.QUEUED and job.reason is None and not job.started
    # a new OctoPrint file: the failed attempt's record must not make it look done or failed
    assert job.remote_name != first_name and job.remote_name.endswith("-2.gcode")


def test_round_trip_through_a_dict_and_remote_name() -> None:
    job = sliced_job("42/../é")
    again = PrintOrder.from_dict(job.to_dict())
    assert again == job and again.status is JobStatus.SLICED
    assert job.remote_name == "mallette-42_____.gcode"
    assert "/" not in job.remote_name
