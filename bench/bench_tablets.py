"""Two tablets of one group, in Chromium (issue 14): prints how long an edit on one takes
to appear on the other, and how long "Arrêter tous les robots" takes to show on the
pupil's screen. No assertion; the targets are printed next to the figures.

A station (waitress in a thread, as ``mallette serve``) on a temporary data folder with
one class in session 2, one group with a simulated robot; two browser contexts join
through the home page with the group code and open the editor. Then ROUNDS times: tablet
A's workspace changes (as after a drag), and the clock runs until tablet B's workspace
holds the same program (A's debounce, its save, the live "program.saved", B's fetch of
the version, B's redraw); and ROUNDS times: a program is sent to the robot, then stop-all
is posted, and the clock runs until the pupil's screen says the robot is stopped.

Run: ``python bench/bench_tablets.py [--rounds 5]`` (Chromium at /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, csrf_token, login_as  # noqa: E402
from tests.peers import free_port  # noqa: E402

SAME = """(want) => JSON.stringify(MalletteBlocks.workspaceToProgram(window.malletteWorkspace)
    .main.map((b) => b.distance_cm)) === JSON.stringify(want)"""


def station(data: Path):  # noqa: ANN201 - (app, url, ids)
    from waitress.server import create_server

    from kit.app import create_app
    from kit.app import station as current
    from kit.models import Facilitator
    from kit.roster import create_class, create_group, create_school
    from kit.security import hash_password
    from kit.sessions import assign_robot, open_session

    app = create_app(data_dir=data, testing=True)
    with app.app_context(), current().sessions() as db:
        fac = Facilitator(name="Bench", password_hash=hash_password("mot-de-passe-bench"))
        db.add(fac)
        cls = create_class(db, create_school(db, "École du banc", "Brioude"), "CE2", "CE2")
        group = create_group(db, cls, "Les Fusées", "Léa, Noé")
        db.flush()
        open_session(db, cls, 2, facilitator_id=fac.id)
        assign_robot(db, group, "robot-rouge", current().kit)
        db.commit()
        ids = {"facilitator_id": fac.id, "code": group.join_code}
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    return app, f"http://127.0.0.1:{port}", ids


def join(browser, url: str, code: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    page.goto(url + "/")
    page.fill("#join-code", code)
    page.get_by_role("button", name="Entrer").tap()
    page.wait_for_url("**/groupe/")
    page.goto(url + "/groupe/programme")
    page.wait_for_function("() => window.malletteWorkspace !== undefined")
    return page


def figures(name: str, times: list[float], target: str) -> None:
    print(f"{name}: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"over {len(times)} rounds ({target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        app, url, ids = station(Path(tmp) / "data")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        a, b = join(browser, url, ids["code"]), join(browser, url, ids["code"])
        follow = []
        for n in range(args.rounds):
            want = [20, 40 + n * 10]
            program = {"version": 1, "main": [
                {"block": "move", "direction": "forward", "distance_cm": d} for d in want]}
            started = time.perf_counter()
            a.evaluate("(p) => MalletteBlocks.programToWorkspace(p, window.malletteWorkspace)",
                       program)
            b.wait_for_function(SAME, arg=want, timeout=30000, polling=20)
            follow.append(time.perf_counter() - started)
        fac = app.test_client()
        login_as(fac, "facilitator", ids)
        token = csrf_token(fac, "/animateur/mallette")
        stops = []
        a.evaluate("""() => MalletteBlocks.programToWorkspace({version: 1, main: [
            {block: 'wait', seconds: 30}]}, window.malletteWorkspace)""")
        for _ in range(args.rounds):
            a.get_by_role("button", name="Au robot").tap()
            a.wait_for_selector("#result.ok", timeout=30000)
            started = time.perf_counter()
            fac.post("/api/v1/robots/stop-all", headers={"X-CSRFToken": token})
            a.wait_for_selector("#result.hint", timeout=30000)
            stops.append(time.perf_counter() - started)
        browser.close()
    figures("edit on tablet A seen on tablet B", follow,
            "target: within 2 s; 1 s of it is the editor's debounce")
    figures("stop-all seen on the pupil's screen", stops, "target: within 1 s")


if __name__ == "__main__":
    main()
