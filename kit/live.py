"""Live updates to open screens (facilitator dashboard, pupils' tablets).

A small in-process publish/subscribe broker feeding Server-Sent Events: one
station process, a few dozen screens, no extra server to install.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

HEARTBEAT_S = 15.0
MAX_STREAM_S = 300.0  # browsers reconnect by themselves; this frees server threads


class Broker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[queue.Queue, Any]] = []

    def subscribe(self, accept=None) -> queue.Queue:
        q: queue.Queue = queue.Queue(maxsize=200)
        with self._lock:
            self._subscribers.append((q, accept))
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._subscribers = [(s, a) for s, a in self._subscribers if s is not q]

    def publish(self, message: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for q, accept in subscribers:
            if accept is None or accept(message):
                try:
                    q.put_nowait(message)
                except queue.Full:  # a stalled screen must not block the class
                    pass

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._subscribers)


broker = Broker()


def sse_stream(q: queue.Queue, *, heartbeat: float = HEARTBEAT_S,
               max_seconds: float = MAX_STREAM_S) -> Iterator[str]:
    """Yield SSE frames from ``q`` until the stream's lifetime is over."""
    import time

    deadline = time.monotonic() + max_seconds
    try:
        yield "retry: 2000\n\n"
        while time.monotonic() < deadline:
            try:
                msg = q.get(timeout=heartbeat)
            except queue.Empty:
                yield ": ping\n\n"
                continue
            yield f"event: {msg.get('type', 'message')}\ndata: {json.dumps(msg)}\n\n"
    finally:
        broker.unsubscribe(q)
