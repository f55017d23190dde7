"""Hostile files against a real station: memory, the pupil's wait, everyone else's latency.

A station is seeded and served by ``mallette serve`` in its own process. For each hostile
input (a binary STL of 300,000 loose triangles through the import, and an object model
repeating a 20-letter text 50 x 8 times through the preview; then an allowed heavy model
and a teacher's 19 MB G-code) it prints the station's peak
RSS (and its mesh workers'), how long the pupil waits for the refusal, and the latency of
/api/v1/health polled every 50 ms with a 1 s timeout meanwhile.
Targets: health <= 200 ms, station RSS <= 600 MB.

Run: .venv/bin/python bench/bench_hostile_files.py [--port 18150]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.printweb.real_station import (  # noqa: E402
    Watch,
    facilitator_client,
    long_gcode,
    object_bomb,
    pupil_client,
    scattered_stl,
    start_station,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mallette-bench-") as tmp:
        station = start_station(Path(tmp) / "data", args.port, Path(tmp) / "serve.log")
        try:
            tablet = pupil_client(station)
            print(f"station pid {station.pid}, RSS at rest {station.rss_mb():.0f} MB, "
                  f"workers {station.workers_rss_mb():.0f} MB")
            adult = facilitator_client(station)
            stl = scattered_stl(300_000)
            gcode = long_gcode(19)
            template = tablet.get("/api/v1/group/object").json()["object"]
            cases = [
                ("porte-nom du groupe (aperçu ordinaire, pour comparer)", lambda: tablet.post(
                    "/api/v1/group/object/preview", json={"object": template})),
                ("STL 300 000 triangles épars (import)", lambda: tablet.post(
                    "/api/v1/group/object/import",
                    files={"file": ("nuage.stl", stl, "model/stl")})),
                ("objet 50 x 8 x texte de 20 lettres (aperçu)", lambda: tablet.post(
                    "/api/v1/group/object/preview", json={"object": object_bomb()})),
                ("objet 3 x 8 x texte de 20 lettres (autorisé, aperçu)", lambda: tablet.post(
                    "/api/v1/group/object/preview", json={"object": object_bomb(3, 8)})),
                ("G-code de 19 Mo (animateur·rice)", lambda: adult.post(
                    "/animateur/impressions/gcode", data={"printer": "imprimante-1"},
                    files={"file": ("long.gcode", gcode, "text/x-gcode")})),
            ]
            for label, send in cases:
                time.sleep(4)  # a worker replaced by the previous case is warm again
                with Watch(station, period=0.05) as watch:
                    start = time.perf_counter()
                    resp = send()
                    waited = time.perf_counter() - start
                    time.sleep(0.5)  # a few more health polls after the answer
                message = resp.json().get("message", "")[:100]
                print(f"\n{label}")
                print(f"  réponse {resp.status_code} en {waited:.2f} s : {message}")
                print(f"  RSS max de la station {watch.peak_rss_mb:.0f} MB "
                      f"(cible <= 600), des workers {watch.peak_workers_mb:.0f} MB")
                print(f"  /api/v1/health sur {len(watch.latencies)} appels : "
                      f"p50 {watch.percentile(50) * 1000:.0f} ms, "
                      f"p95 {watch.percentile(95) * 1000:.0f} ms, "
                      f"max {max(watch.latencies) * 1000:.0f} ms (cible <= 200), "
                      f"échecs {len(watch.failures)} {watch.failures[:3]}")
        finally:
            station.stop()


if __name__ == "__main__":
    main()
