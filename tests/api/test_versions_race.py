"""Tablets of one group saving at the same instant each get their own version."""

from __future__ import annotations

import threading

from tests.api.conftest import log_in

TABLETS = 4
SAVES = 20


def _race(clients, path: str, body) -> list[int]:  # noqa: ANN001 - body(tablet, n) -> json
    """Every tablet saves SAVES times, all starting together; returns the status codes."""
    start = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def tablet(index: int) -> None:
        start.wait()
        for n in range(SAVES):
            code = clients[index].post(path, json=body(index, n)).status_code
            with lock:
                statuses.append(code)

    threads = [threading.Thread(target=tablet, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_four_tablets_saving_twenty_times_at_once_keep_eighty_versions(live_server, open_class):
    clients = [log_in(live_server, "group", open_class) for _ in range(TABLETS)]

    def program(tablet: int, n: int) -> dict:
        step = {"block": "move", "direction": "forward", "distance_cm": tablet * SAVES + n + 1}
        return {"program": {"version": 1, "main": [step]}}

    statuses = _race(clients, "/api/v1/group/programs", program)
    assert statuses.count(201) == TABLETS * SAVES, sorted(set(statuses))
    versions = clients[0].get("/api/v1/group/programs").json()["versions"]
    assert sorted(v["version"] for v in versions) == list(range(1, TABLETS * SAVES + 1))
    kept = {clients[1].get(f"/api/v1/group/programs/{v}").json()["program"]["main"][0]
            ["distance_cm"] for v in range(1, TABLETS * SAVES + 1)}
    assert kept == set(range(1, TABLETS * SAVES + 1))


def test_two_tablets_previewing_objects_at_once_keep_every_version(live_server, open_class):
    clients = [log_in(live_server, "group", open_class) for _ in range(2)]

    def cube(tablet: int, n: int) -> dict:
        size = 10 + tablet * SAVES + n
        return {"object": {"version": 1, "root": {"block": "box", "size": [size, 10, 5]}}}

    statuses = _race(clients, "/api/v1/group/object/preview", cube)
    # every object is saved before its mesh is built; a group's newer preview replaces the
    # one still being built (409 "superseded"), never a lost save nor a server error
    assert set(statuses) <= {200, 409}, sorted(set(statuses))
    assert statuses.count(200) >= 1
    versions = clients[0].get("/api/v1/group/object/versions").json()["versions"]
    assert sorted(v["version"] for v in versions) == list(range(1, 2 * SAVES + 1))


def _save_from_another_process(url: str, group_id: int, start, count: int) -> list[int]:  # noqa: ANN001
    """A second station process on the same SQLite file (spawned: its own engine)."""
    from kit import db as kitdb
    from kit.models import Group
    from kit.programs import add_version

    engine = kitdb.make_engine(url)
    factory = kitdb.session_factory(engine)
    start.wait()
    numbers = []
    for n in range(count):
        with factory() as dbs:
            version = add_version(dbs, dbs.get(Group, group_id), None, "robot",
                                  {"version": 1, "main": [], "n": n})
            dbs.commit()
            numbers.append(version.version)
    engine.dispose()
    return numbers


def test_processes_sharing_the_database_never_take_the_same_number(app, seeded):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    url = app.extensions["mallette"].engine.url.render_as_string(hide_password=False)
    processes = 3
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        start = manager.Barrier(processes)
        futures = [pool.submit(_save_from_another_process, url, seeded["group_id"], start,
                               SAVES) for _ in range(processes)]
        numbers = sorted(n for f in futures for n in f.result(timeout=120))
    assert numbers == list(range(1, processes * SAVES + 1))


def test_on_postgresql_a_taken_number_is_retried(postgres_url, tmp_path):
    """PostgreSQL runs the INSERTs side by side: the loser retries in a SAVEPOINT."""
    from kit.app import create_app, station
    from kit.models import Group
    from kit.programs import add_version
    from kit.roster import create_class, create_group, create_school

    app = create_app(data_dir=tmp_path, database_url=postgres_url, testing=True)
    with app.app_context():
        factory = station().sessions
    with factory() as dbs:
        cls = create_class(dbs, create_school(dbs, "École du Lac", "Annecy"), "CM1 vert", "CM1")
        group_id = create_group(dbs, cls, "Les Loutres", "Inès, Tom").id
        dbs.commit()
    start = threading.Barrier(TABLETS)
    numbers: list[int] = []
    lock = threading.Lock()

    def tablet(index: int) -> None:
        start.wait()
        for n in range(SAVES):
            with factory() as dbs:
                version = add_version(dbs, dbs.get(Group, group_id), None, "object",
                                      {"version": 1, "tablet": index, "n": n})
                dbs.commit()
                with lock:
                    numbers.append(version.version)

    threads = [threading.Thread(target=tablet, args=(i,)) for i in range(TABLETS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, TABLETS * SAVES + 1))
