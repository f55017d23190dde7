"""Two tablets of one group: a save based on an older version than the latest never
silently replaces the other tablet's work (409, nothing saved, the other's program
returned so the tablet can ask); every version stays reachable."""

from __future__ import annotations

import threading

from tests.api.conftest import log_in


def _program(*distances: int) -> dict:
    return {"version": 1, "main": [{"block": "move", "direction": "forward", "distance_cm": d}
                                   for d in distances]}


def _versions(client) -> list[int]:  # noqa: ANN001 - httpx.Client
    return [v["version"] for v in client.get("/api/v1/group/programs").json()["versions"]]


def _at_once(tablets: list, bodies: list[dict]) -> list:
    """Each tablet posts its body, all starting together; their answers, in order."""
    start = threading.Barrier(len(tablets))
    answers: list = [None] * len(tablets)

    def save(i: int) -> None:
        start.wait()
        answers[i] = tablets[i].post("/api/v1/group/programs", json=bodies[i])

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(tablets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_a_save_based_on_an_older_version_is_refused_and_loses_nothing(live_server,
                                                                        open_class):
    a, b = (log_in(live_server, "group", open_class) for _ in range(2))
    first = a.post("/api/v1/group/programs", json={"program": _program(20), "base": None})
    assert first.status_code == 201 and first.json()["version"] == 1
    # both tablets start from version 1; tablet A saves first
    assert a.post("/api/v1/group/programs",
                  json={"program": _program(20, 40), "base": 1}).json()["version"] == 2
    late = b.post("/api/v1/group/programs", json={"program": _program(20, 60), "base": 1})
    assert late.status_code == 409
    body = late.json()
    assert body["message"] == "L'autre tablette de ton groupe a changé le programme."
    assert body["latest"]["version"] == 2
    assert [s["distance_cm"] for s in body["latest"]["program"]["main"]] == [20, 40]
    assert _versions(b) == [2, 1]  # nothing saved, nothing replaced
    # tablet B's pupils chose to keep theirs: based on version 2 now, it goes on top
    kept = b.post("/api/v1/group/programs", json={"program": _program(20, 60), "base": 2})
    assert kept.status_code == 201 and kept.json()["version"] == 3
    assert a.get("/api/v1/group/programs/2").json()["program"]["main"][1]["distance_cm"] == 40
    # the same program as the latest is no conflict and no new version, whatever its base
    same = a.post("/api/v1/group/programs", json={"program": _program(20, 60), "base": 1})
    assert same.status_code == 200 and same.json()["version"] == 3
    # a first save ("from nothing") when the group already has a program is a conflict too
    fresh = a.post("/api/v1/group/programs", json={"program": _program(99), "base": None})
    assert fresh.status_code == 409 and fresh.json()["latest"]["version"] == 3
    # a client that names no base is not checked (scripts, older pages)
    assert a.post("/api/v1/group/programs",
                  json={"program": _program(80)}).json()["version"] == 4


def test_a_challenge_based_on_an_older_version_is_refused(live_server, open_class):
    a, b = (log_in(live_server, "group", open_class) for _ in range(2))
    a.post("/api/v1/group/programs", json={"program": _program(20), "base": None})
    a.post("/api/v1/group/programs", json={"program": _program(40), "base": 1})
    resp = b.post("/api/v1/group/challenges/s1-tout-droit",
                  json={"program": _program(60), "base": 1})
    assert resp.status_code == 409 and resp.json()["latest"]["version"] == 2
    assert _versions(a) == [2, 1]
    bad = b.post("/api/v1/group/programs", json={"program": _program(60), "base": "deux"})
    assert bad.status_code == 400 and "base" in bad.text


def test_two_tablets_saving_from_the_same_version_at_once_never_both_win(live_server,
                                                                         open_class):
    """Each round both tablets save a different program based on the same version at the
    same instant: one gets its version, the other a conflict; never two new versions."""
    tablets = [log_in(live_server, "group", open_class) for _ in range(2)]
    tablets[0].post("/api/v1/group/programs", json={"program": _program(1), "base": None})
    base = 1
    for round_ in range(10):
        answers = _at_once(tablets, [{"program": _program(10 + round_, 100 + i), "base": base}
                                     for i in range(2)])
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409], codes
        won = next(a for a in answers if a.status_code == 201).json()["version"]
        lost = next(a for a in answers if a.status_code == 409).json()["latest"]
        assert won == base + 1 and lost["version"] == won
        base = won
    assert _versions(tablets[0]) == list(range(11, 0, -1))
