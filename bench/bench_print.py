"""Benchmark of the printing pipeline, printed (no assertion on timings).

1. One name tag: object model -> mesh -> printability check -> G-code (PrusaSlicer).
2. Twelve name tags: batched on plates vs one job each — number of plates and total
   estimated print time from PrusaSlicer. PrusaSlicer's estimate leaves out what each
   print costs besides moving (heating the bed and the nozzle, taking the print off,
   starting the next one): that is added as a stated assumption, PLATE_OVERHEAD_S.

Run: .venv/bin/python bench/bench_print.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.checks import check_mesh  # noqa: E402
from printers.objects import build_mesh, parse_object  # noqa: E402
from printers.plates import PlateItem, pack, render_plate_png, slice_plate  # noqa: E402
from printers.profiles import get_profile  # noqa: E402
from printers.slicing import slice_one  # noqa: E402
from printers.templates import instantiate  # noqa: E402

NAMES = ["Léa", "Noé", "Inès", "Tom", "Chloé", "Maël", "Zoé", "Jade", "Hugo", "Lou", "Adam",
         "Rose"]
# Assumption (not measured here): heating a 60 °C bed and a 215 °C nozzle from cold, homing,
# letting the print cool, taking it off and starting the next job: about 5 minutes a plate.
PLATE_OVERHEAD_S = 300


def fmt(seconds: float) -> str:
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min {int(seconds % 60):02d} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None, help="keep G-code and PNG files here")
    args = parser.parse_args()
    profile = get_profile("default")
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-print-"))
    out.mkdir(parents=True, exist_ok=True)

    print("== one name tag: object model -> checked mesh -> G-code")
    doc = instantiate("name_tag", name="Léa")
    build_mesh(instantiate("name_tag", name="Tom"))  # warm-up: first calls import modules
    t0 = time.perf_counter()
    obj = parse_object(doc)
    t1 = time.perf_counter()
    mesh = build_mesh(obj)
    t2 = time.perf_counter()
    report = check_mesh(mesh, profile, slice_estimate=False)
    t3 = time.perf_counter()
    result = slice_one(report.mesh, profile, out / "tag.gcode")
    t4 = time.perf_counter()
    print(f"validate object model     {1000 * (t1 - t0):8.1f} ms")
    print(f"build mesh (manifold3d)   {1000 * (t2 - t1):8.1f} ms  ({len(mesh.faces)} triangles)")
    print(f"printability checks       {1000 * (t3 - t2):8.1f} ms  printable={report.printable}")
    print(f"slice (PrusaSlicer)       {1000 * (t4 - t3):8.1f} ms  estimate "
          f"{fmt(result.print_time_s or 0)}, {result.filament_g} g")
    print(f"total                     {1000 * (t4 - t0):8.1f} ms")

    print("\n== 12 name tags: batched plates vs one job each")
    items = []
    for i, name in enumerate(NAMES):
        m = check_mesh(build_mesh(instantiate("name_tag", name=name)), profile,
                       slice_estimate=False).mesh
        items.append(PlateItem(f"tag-{i}", f"Groupe {i // 3 + 1} – {name}", m))

    t0 = time.perf_counter()
    single_total = 0.0
    single_grams = 0.0
    for item in items:
        r = slice_one(item.mesh, profile, out / f"single-{item.key}.gcode")
        single_total += r.print_time_s or 0
        single_grams += r.filament_g or 0
    t_single = time.perf_counter() - t0

    t0 = time.perf_counter()
    plates = pack(items, profile)
    batched_total = 0.0
    batched_grams = 0.0
    for n, plate in enumerate(plates, start=1):
        r = slice_plate(plate, profile, out / f"plate-{n}.gcode")
        render_plate_png(plate, profile, out / f"plate-{n}.png")
        batched_total += r.print_time_s or 0
        batched_grams += r.filament_g or 0
        print(f"plate {n}: {len(plate.placements)} tags, estimate {fmt(r.print_time_s or 0)}, "
              f"{r.filament_g} g")
    t_batched = time.perf_counter() - t0

    rows = [("one job each", len(items), single_total, single_grams, t_single),
            ("batched", len(plates), batched_total, batched_grams, t_batched)]
    print(f"\n{'':14} {'plates':>6} {'PrusaSlicer time':>18} {'+ overhead':>18} "
          f"{'filament':>9} {'slicing':>8}")
    for label, count, total, grams, wall in rows:
        print(f"{label:14} {count:6d} {fmt(total):>18} "
              f"{fmt(total + count * PLATE_OVERHEAD_S):>18} {grams:8.1f}g {wall:7.1f}s")
    saved = (single_total + len(items) * PLATE_OVERHEAD_S) - (
        batched_total + len(plates) * PLATE_OVERHEAD_S)
    print(f"\nplates: {len(items)} -> {len(plates)}; total time with {PLATE_OVERHEAD_S // 60} min "
          f"per plate (assumption): {fmt(saved)} saved; PrusaSlicer's time alone, batched "
          f"minus one job each: {batched_total - single_total:+.0f} s")
    print(f"files in {out}")


if __name__ == "__main__":
    main()
