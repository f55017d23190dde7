"""The station prints through a real OctoPrint server and its Virtual Printer.

A group submits its name tag, the facilitator approves it, PrusaSlicer slices it, the
station uploads it to OctoPrint, which prints it to the end; the group sees "imprimé"
and the event log has ``print.finished``. OctoPrint stopped mid-print: the job shows
the printer offline, stays in the database (a new station on the same data finds it)
and is never printed twice.
"""

from __future__ import annotations

from sqlalchemy import select

from kit.models import Event, PrintJob, PrintPlate
from printers.octoprint import OctoPrintClient
from printers.queue import PrintOrder
from tests.printweb.conftest import (
    client_as,
    make_station,
    octoprint_printer,
    seed_printing_class,
    wait_for,
)


def _job(app, job_id: int) -> PrintJob:
    with app.extensions["mallette"].sessions() as db:
        return db.get(PrintJob, job_id)


def _submit_and_approve(app, ids, doc=None) -> tuple[object, int]:
    group = client_as(app, "group", ids)
    if doc is None:
        doc = group.get("/api/v1/group/object").get_json()["object"]
    resp = group.post("/api/v1/group/object/submit", json={"object": doc})
    assert resp.status_code == 201, resp.get_json()
    job_id = resp.get_json()["job"]["id"]
    fac = client_as(app, "facilitator", ids)
    assert fac.post(f"/animateur/impressions/{job_id}/accepter").status_code == 303
    return group, job_id


def test_name_tag_from_blocks_to_a_printed_object(tmp_path, octoprint_ready, prusa_slicer):
    app = make_station(tmp_path / "data", [octoprint_printer(octoprint_ready)])
    ids = seed_printing_class(app)
    fac = client_as(app, "facilitator", ids)
    page = fac.get("/animateur/impressions").get_data(as_text=True)
    assert "Imprimante OctoPrint" in page and "prête" in page
    group, job_id = _submit_and_approve(app, ids)
    assert _job(app, job_id).estimated_seconds > 60  # PrusaSlicer's estimate at submission
    printing = wait_for(app, lambda: _job(app, job_id).state in ("printing", "done"),
                        timeout=90)
    assert printing
    with app.extensions["mallette"].sessions() as db:
        plate = db.get(PrintPlate, _job(app, job_id).plate_id)
        remote = PrintOrder.from_dict(plate.queue).remote_name
    seen_progress = []

    def done() -> bool:
        view = group.get("/api/v1/group/prints").get_json()["jobs"][0]
        seen_progress.append(view["progress"])
        return view["state"] == "done"

    wait_for(app, done, timeout=180, step=1.0)
    view = group.get("/api/v1/group/prints").get_json()["jobs"][0]
    assert view["label"] == "imprimé" and view["printer_id"] == "octo"
    with OctoPrintClient(octoprint_ready.url, octoprint_ready.api_key) as client:
        prints = client.file_prints(remote)
    assert prints is not None and prints.success == 1 and prints.failure == 0
    with app.extensions["mallette"].sessions() as db:
        finished = db.scalars(select(Event).where(Event.type == "print.finished")).one()
        assert finished.payload == {"job_id": job_id, "title": _job(app, job_id).title,
                                    "state": "done"}
        assert finished.group_id == ids["group_id"] and finished.class_id == ids["class_id"]
        from kit.models import Group
        from kit.progress import group_progress

        progress = group_progress(db, db.get(Group, ids["group_id"]))
        assert progress.objects_printed == 1  # the group's progress counts the printed tag
    assert "imprimé" in fac.get("/animateur/impressions").get_data(as_text=True)


def test_octoprint_stopped_mid_print_keeps_the_job_and_never_prints_twice(
        tmp_path, octoprint_ready, prusa_slicer):
    data_dir = tmp_path / "data"
    app = make_station(data_dir, [octoprint_printer(octoprint_ready)])
    ids = seed_printing_class(app, session_number=9)
    group = client_as(app, "group", ids)
    badge = group.get("/api/v1/group/object").get_json()["object"]  # a longer print
    group, job_id = _submit_and_approve(app, ids, badge)
    wait_for(app, lambda: _job(app, job_id).state == "printing", timeout=90)
    with app.extensions["mallette"].sessions() as db:
        plate = db.get(PrintPlate, _job(app, job_id).plate_id)
        remote = PrintOrder.from_dict(plate.queue).remote_name
    octoprint_ready.stop()
    try:
        app.extensions["mallette"].printing.tick()
        view = group.get("/api/v1/group/prints").get_json()["jobs"][0]
        assert view["state"] == "printing" and view["printer_offline"] is True
        fac = client_as(app, "facilitator", ids)
        page = fac.get("/animateur/impressions").get_data(as_text=True)
        assert "hors ligne" in page and "Imprimante injoignable" in page
    finally:
        octoprint_ready.start()
    # the station restarts too: a new station on the same data folder finds the job
    again = make_station(data_dir, [octoprint_printer(octoprint_ready)])
    assert _job(again, job_id).state == "printing"
    from tests.printers.conftest import connect_virtual

    connect_virtual(octoprint_ready)
    wait_for(again, lambda: _job(again, job_id).state != "printing", timeout=60)
    view = client_as(again, "group", ids).get("/api/v1/group/prints").get_json()["jobs"][0]
    assert view["state"] == "failed" and view["printer_offline"] is False
    assert "plateau" in view["reason"]
    # several more turns: nothing is uploaded or started again by itself
    for _ in range(3):
        again.extensions["mallette"].printing.tick()
    with OctoPrintClient(octoprint_ready.url, octoprint_ready.api_key) as client:
        assert not client.job().is_active
        prints = client.file_prints(remote)
    assert prints is None or prints.success == 0
    with again.extensions["mallette"].sessions() as db:
        finished = db.scalars(select(Event).where(Event.type == "print.finished")).all()
        assert [e.payload["state"] for e in finished] == ["failed"]
