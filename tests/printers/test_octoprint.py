"""The OctoPrint client and the print queue against a real OctoPrint + Virtual Printer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from printers.octoprint import (
    OctoPrintAuthError,
    OctoPrintClient,
    OctoPrintError,
    PrinterOfflineError,
    poll_app_key,
    request_app_key,
)
from printers.queue import Dispatcher, PrinterSlot, PrintOrder
from printers.states import JobStatus
from tests.peers import free_port
from tests.printers.conftest import OctoPrintPeer, connect_virtual

pytestmark = pytest.mark.peer("octoprint")


def wait_until(predicate, timeout: float = 120.0, step: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def client(octoprint_ready: OctoPrintPeer):  # type: ignore[no-untyped-def]
    with OctoPrintClient(octoprint_ready.url, octoprint_ready.api_key, name="virtuelle",
                         timeout=5) as c:
        wait_until(lambda: not c.job().is_active, timeout=60)
        yield c


def test_connected_printer_reports_its_state(client: OctoPrintClient) -> None:
    assert client.version().startswith("1.11.")
    assert client.connection_state() == "Operational"
    state = client.printer_state()
    assert state.operational and not state.printing


def test_name_tag_prints_to_completion(client: OctoPrintClient, sliced: dict[str, Path]) -> None:
    name = client.upload(sliced["tag"], name="test-tag.gcode")
    assert name == "test-tag.gcode"
    client.start(name)
    job = wait_until(lambda: (j := client.job()).state == "Printing" and j, timeout=30)
    assert job.file_name == name
    wait_until(lambda: not client.job().is_active, timeout=120)
    prints = client.file_prints(name)
    assert prints is not None and prints.success == 1 and prints.last_success is True
    assert client.job().completion == pytest.approx(100.0)


def test_cancel_mid_print(client: OctoPrintClient, sliced: dict[str, Path]) -> None:
    name = client.upload(sliced["badge"], name="test-cancel.gcode", print_now=True)
    job = wait_until(lambda: (j := client.job()).print_time_left is not None and j, timeout=60)
    assert job.state == "Printing" and (job.completion or 0) > 0 and job.print_time_left > 0
    client.cancel()
    wait_until(lambda: not client.job().is_active, timeout=30)
    prints = client.file_prints(name)
    assert prints is not None and prints.success == 0 and prints.last_success is False
    with pytest.raises(OctoPrintError, match="Aucune impression en cours"):
        client.cancel()


def test_unreachable_server_is_a_clear_offline_error() -> None:
    with OctoPrintClient(f"http://127.0.0.1:{free_port()}", "k", name="atelier", timeout=2) as c:
        with pytest.raises(PrinterOfflineError, match="« atelier » ne répond pas"):
            c.job()


def test_wrong_api_key_is_refused(octoprint_ready: OctoPrintPeer) -> None:
    with OctoPrintClient(octoprint_ready.url, "wrong", name="virtuelle") as c:
        with pytest.raises(OctoPrintError, match="clé d'API"):
            c.printer_state()


def test_app_key_pairing_waits_for_the_facilitator(octoprint_ready: OctoPrintPeer) -> None:
    pending = request_app_key(octoprint_ready.url, app="Mallette test")
    assert "/plugin/appkeys/auth/" in pending.auth_dialog
    assert poll_app_key(octoprint_ready.url, pending.app_token) is None  # not approved yet
    with pytest.raises(OctoPrintAuthError, match="refusée ou a expiré"):
        poll_app_key(octoprint_ready.url, "no-such-token")


def test_queue_prints_once_on_the_free_printer(client: OctoPrintClient,
                                               octoprint_ready: OctoPrintPeer,
                                               sliced: dict[str, Path]) -> None:
    offline = OctoPrintClient(f"http://127.0.0.1:{free_port()}", "k", name="éteinte", timeout=2)
    dispatcher = Dispatcher([PrinterSlot("a-eteinte", offline), PrinterSlot("b-virtuelle", client)])
    job = PrintOrder(id="q1", group="Les Lynx", title="Porte-clés Léa")
    job.approve()
    job.mark_sliced(sliced["tag"], 930)
    job.enqueue()
    other = PrintOrder(id="q2", group="Les Pandas", title="Badge")
    other.approve()
    other.mark_sliced(sliced["tag"], 930)
    other.enqueue()

    started = dispatcher.dispatch([job, other])
    assert [j.id for j in started] == ["q1"]
    assert job.status == JobStatus.PRINTING and job.printer_id == "b-virtuelle"
    assert other.status == JobStatus.QUEUED  # only one free printer
    assert dispatcher.printers["a-eteinte"].online is False

    # a second dispatch while it prints neither starts it again nor starts the other
    assert dispatcher.dispatch([job, other]) == []
    changed = wait_until(lambda: dispatcher.poll([job]), timeout=120)
    assert changed == [job] and job.status == JobStatus.DONE
    assert job.progress == 100.0
    prints = client.file_prints(job.remote_name)
    assert prints is not None and prints.success == 1

    # the job record comes back from the database: still never sent twice
    again = PrintOrder.from_dict(job.to_dict())
    assert again.status == JobStatus.DONE
    started = dispatcher.dispatch([again, other])
    assert [j.id for j in started] == ["q2"]
    dispatcher.cancel(other)
    assert other.status == JobStatus.CANCELLED
    wait_until(lambda: not client.job().is_active, timeout=30)
    assert client.file_prints(job.remote_name).success == 1  # type: ignore[union-attr]
    offline.close()


def test_jobs_go_only_to_printers_of_their_profile(client: OctoPrintClient,
                                                   sliced: dict[str, Path]) -> None:
    dispatcher = Dispatcher([PrinterSlot("grande", client, profile_id="grande-300")])
    job = PrintOrder(id="p1", group="G", title="Porte-clés", profile_id="default")
    job.approve()
    job.mark_sliced(sliced["tag"], 900)
    job.enqueue()
    assert dispatcher.dispatch([job]) == [] and job.status == JobStatus.QUEUED
    assert client.file_prints(job.remote_name) is None  # nothing was even uploaded


def test_octoprint_stopped_mid_print(octoprint_ready: OctoPrintPeer,
                                     sliced: dict[str, Path]) -> None:
    """Last test of the module: it stops and restarts the session's OctoPrint."""
    with OctoPrintClient(octoprint_ready.url, octoprint_ready.api_key, name="virtuelle",
                         timeout=3) as c:
        wait_until(lambda: not c.job().is_active, timeout=60)
        dispatcher = Dispatcher([PrinterSlot("virtuelle", c)])
        job = PrintOrder(id="off1", group="Les Loups", title="Badge")
        job.approve()
        job.mark_sliced(sliced["badge"], 1700)
        job.enqueue()
        assert dispatcher.dispatch([job]) == [job]
        wait_until(lambda: (c.job().completion or 0) > 1, timeout=60)

        octoprint_ready.stop()
        try:
            with pytest.raises(PrinterOfflineError, match="ne répond pas"):
                c.job()
            dispatcher.poll([job])
            assert job.status == JobStatus.PRINTING and job.printer_offline  # kept, not lost
        finally:
            octoprint_ready.start()
            connect_virtual(octoprint_ready)

        dispatcher.poll([job])  # back online: the print did not finish, never resent
        assert job.status == JobStatus.FAILED and not job.printer_offline
        assert "Vérifiez le plateau" in (job.reason or "")
        assert not c.job().is_active

        job.retry()  # the facilitator cleared the bed: a new attempt, a new file
        assert dispatcher.dispatch([job]) == [job]
        current = wait_until(lambda: (j := c.job()).is_active and j, timeout=30)
        assert current.file_name == job.remote_name == "mallette-off1-2.gcode"
        dispatcher.cancel(job)
        assert job.status == JobStatus.CANCELLED
        wait_until(lambda: not c.job().is_active, timeout=30)
