"""The pool of mesh worker processes: time and memory limits, cancelling, a bounded queue,
and no process left behind."""

from __future__ import annotations

import os

import pytest

from printers.profiles import get_profile
from printers.tasks import MeshWork
from printers.templates import instantiate
from printers.workers import WorkCancelled, WorkerPool, WorkersBusy, WorkTooBig
from tests.printweb.real_station import scattered_stl

PROFILE = get_profile("default")
# about 2 s of checking: longer than the short time limits below
SLOW_GCODE = b"G90\n" + b"G1 X10.5 Y20.25 Z0.3 E1.5\n" * 300_000


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_running(task) -> None:  # noqa: ANN001
    while not task.running and not task.done.wait(0.01):
        pass


@pytest.fixture
def pool():
    p = WorkerPool(1, queue_size=1)
    yield p
    p.shutdown()


def test_a_task_over_its_time_is_killed_and_the_worker_replaced(pool):
    work = MeshWork(pool)
    work.preview(instantiate("name_tag", name="Léa"), PROFILE, key=1)  # warm
    first = pool.worker_pids()
    with pytest.raises(WorkTooBig, match="Objet trop compliqué : le calcul a dépassé"):
        pool.run("check_gcode", SLOW_GCODE, "long.gcode", PROFILE, time_limit=0.2)
    assert not _alive(first[0])
    out = work.preview(instantiate("name_tag", name="Noé"), PROFILE, key=1)
    assert out["report"]["printable"] is True
    assert pool.worker_pids() != first


def test_a_task_over_its_memory_is_stopped_with_a_message():
    small = WorkerPool(1, memory_mb=30)
    try:
        with pytest.raises(WorkTooBig, match="trop de mémoire"):
            small.run("check_import", scattered_stl(200_000), "nuage.stl", 20 * 2**20, PROFILE,
                      time_limit=60)
        report = MeshWork(small).preview(instantiate("name_tag", name="Léa"), PROFILE, key=1)
        assert report["report"]["printable"] is True
    finally:
        small.shutdown()


def test_a_new_preview_of_the_group_cancels_the_previous_one(pool):
    running = pool.submit("check_gcode", SLOW_GCODE, "a.gcode", PROFILE, key="groupe-1",
                          time_limit=60)
    _wait_running(running)
    fresh = pool.submit("preview_object", instantiate("name_tag", name="Léa"), PROFILE,
                        key="groupe-1", time_limit=30)
    assert running.done.wait(10)
    assert isinstance(running.error, WorkCancelled)
    assert running.error.extra == {"superseded": True}
    assert fresh.done.wait(60) and fresh.error is None
    assert fresh.result["report"]["printable"] is True


def test_a_flood_is_refused_at_once(pool):
    running = pool.submit("check_gcode", SLOW_GCODE, "a.gcode", PROFILE, time_limit=60)
    _wait_running(running)
    waiting = pool.submit("check_gcode", SLOW_GCODE, "b.gcode", PROFILE, time_limit=60)
    with pytest.raises(WorkersBusy, match="réessaie dans quelques secondes"):
        pool.submit("check_gcode", SLOW_GCODE, "c.gcode", PROFILE, time_limit=60)
    pool.shutdown()
    assert isinstance(waiting.error, WorkersBusy)
    assert isinstance(running.error, (WorkCancelled, WorkersBusy))  # stopped, running or not


def test_shutdown_leaves_no_process():
    pool = WorkerPool(2)
    pool.start()
    pids = pool.worker_pids()
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    pool.shutdown()
    assert not any(_alive(p) for p in pids)
    with pytest.raises(WorkersBusy):
        pool.submit("check_gcode", b"G28\n", "x.gcode", PROFILE)
