"""What the login check costs: 30 tablets join, then each makes 20 API calls.

Prints the join and API latencies (in-process Flask test client, one thread), the cost
of one login check alone, and how many login rows were written after the joins (the
check only reads; last-seen is written at most every 5 minutes per login).

Run: python bench/bench_logins.py
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TABLETS = 30
CALLS = 20


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1000


def main() -> None:
    from sqlalchemy import select

    from kit import logins
    from kit.app import create_app, station
    from kit.models import Classroom, Facilitator, Login
    from kit.roster import create_class, create_group, create_school
    from kit.sessions import open_session

    data = Path(tempfile.mkdtemp(prefix="bench-logins-"))
    app = create_app(data_dir=data, testing=True)
    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Camille", password_hash="x")
        db.add(fac)
        cls = create_class(db, create_school(db, "École"), "CM1", "CM1")
        codes = [create_group(db, cls, f"Groupe {i}", ["Léa", "Noé"]).join_code
                 for i in range(TABLETS)]
        open_session(db, db.get(Classroom, cls.id), 1)
        db.commit()

    clients, joins = [], []
    for code in codes:
        client = app.test_client()
        html = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        start = time.perf_counter()
        resp = client.post("/rejoindre", data={"code": code, "csrf_token": token})
        joins.append(time.perf_counter() - start)
        assert resp.status_code == 302 and resp.location.endswith("/groupe/"), resp.status
        clients.append(client)

    with app.app_context(), station().sessions() as db:
        seen_before = {row.token_hash: row.last_seen_at for row in db.scalars(select(Login))}
    calls = []
    for _round in range(CALLS):
        for client in clients:
            start = time.perf_counter()
            assert client.get("/api/v1/group/session").status_code == 200
            calls.append(time.perf_counter() - start)
    with app.app_context(), station().sessions() as db:
        rows = list(db.scalars(select(Login)))
        written = sum(1 for r in rows if seen_before.get(r.token_hash) != r.last_seen_at)
        cookie = {}
        logins.begin(db, cookie, "facilitator", facilitator_id=fac.id)
        db.commit()
        start = time.perf_counter()
        for _i in range(1000):
            assert logins.check(db, cookie) is not None
        check_ms = (time.perf_counter() - start) / 1000 * 1000  # mean, in ms

    print(f"joins ({TABLETS}): p50 {statistics.median(joins) * 1000:.1f} ms, "
          f"p95 {_pct(joins, 0.95):.1f} ms")
    print(f"API calls ({TABLETS} x {CALLS}): p50 {statistics.median(calls) * 1000:.1f} ms, "
          f"p95 {_pct(calls, 0.95):.1f} ms")
    print(f"one login check: {check_ms:.3f} ms (mean of 1000)")
    print(f"login rows written during the {TABLETS * CALLS} calls: {written}")


if __name__ == "__main__":
    main()
