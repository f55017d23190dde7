"""Live updates to open screens (facilitator dashboard, pupils' tablets).

A small in-process publish/subscribe broker feeding Server-Sent Events: one
station process, a few dozen screens, no extra server to install.

why bounded: waitress serves each stream with one of its worker threads, so an
open screen costs a thread for as long as its stream lasts (issue 13: 48 streams
starved every other request). Hence:
- one stream per login (kit.logins' token): a new stream from the same login ends
  the previous one at once (a reloaded page does not wait for its old stream to
  notice), and a login that ends (logout, class deleted) ends its stream;
- at most ``max_streams`` streams; past that, a short answer asks the browser to
  come back a few seconds later, so threads always remain for ordinary requests;
- a closed page is noticed within seconds (the server's disconnect flag polled
  each second, a heartbeat every few seconds whose write fails on a closed socket);
- a stream lasts a few minutes at most, then the browser reconnects;
- every message carries an id; a browser that reconnects sends the last id it saw
  and gets what it missed from a short backlog.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as DbSession

HEARTBEAT_S = 3.0  # a write every 3 s: a closed socket fails within one or two of them
POLL_S = 1.0  # how often a waiting stream checks that it is still wanted
MAX_STREAM_S = 240.0  # a stream's lifetime (plus up to 25 % at random), then a reconnect
MAX_STREAMS = 48  # leaves the rest of waitress's threads (kit.cli) for ordinary requests
RECONNECT_MS = 2000  # what browsers wait before reconnecting after a stream ends
BUSY_RETRY_MS = (4000, 12000)  # spread the retries of screens turned away when full
BACKLOG = 500  # messages kept for reconnecting screens (a few minutes of a class)
QUEUE = 200  # messages waiting for one screen; a stalled screen loses the oldest

Accept = Callable[[dict[str, Any]], bool] | None


class Subscriber:
    """One open stream: its login, what it may hear, and the messages waiting for it."""

    def __init__(self, broker: Broker, key: Hashable, accept: Accept,
                 owner: dict[str, Any] | None = None) -> None:
        self.broker = broker
        self.key = key
        self.accept = accept
        self.owner = owner or {}  # role and ids of the login, to end it with its login
        self.ended: str | None = None  # "replaced" once a newer stream of its login started
        self._cond = threading.Condition()
        self._items: deque[tuple[str, dict[str, Any]]] = deque(maxlen=QUEUE)

    def put(self, event_id: str, message: dict[str, Any]) -> None:
        with self._cond:
            self._items.append((event_id, message))
            self._cond.notify()

    def end(self, why: str) -> None:
        with self._cond:
            self.ended = why
            self._cond.notify()

    def take(self, timeout: float) -> list[tuple[str, dict[str, Any]]]:
        """The waiting messages, after waiting up to ``timeout`` for one (or for the end)."""
        with self._cond:
            if not self._items and self.ended is None:
                self._cond.wait(timeout)
            items = list(self._items)
            self._items.clear()
            return items


class Broker:
    def __init__(self, max_streams: int = MAX_STREAMS, backlog: int = BACKLOG) -> None:
        self.max_streams = max_streams
        self._lock = threading.Lock()
        self._by_key: dict[Hashable, list[Subscriber]] = {}  # oldest first
        self._count = 0
        self._backlog: deque[tuple[int, dict[str, Any]]] = deque(maxlen=backlog)
        self._last = 0
        # why: ids from before a restart must not be mistaken for this process's ids
        self.epoch = secrets.token_hex(4)

    def subscribe(self, key: Hashable, accept: Accept = None, last_id: str | None = None,
                  per_login: int = 1, owner: dict[str, Any] | None = None
                  ) -> tuple[Subscriber | None, list[tuple[str, dict[str, Any]]], str]:
        """Open a stream for login ``key``: (subscriber or None when full, missed messages,
        current id). The login's oldest streams beyond ``per_login`` are ended first, so
        a login replacing its own stream never counts against the limit."""
        with self._lock:
            mine = self._by_key.setdefault(key, [])
            while len(mine) >= per_login:
                old = mine.pop(0)
                old.end("replaced")
                self._count -= 1
            current = self._id(self._last)
            if self._count >= self.max_streams:
                if not mine:
                    del self._by_key[key]
                return None, [], current
            sub = Subscriber(self, key, accept, owner)
            mine.append(sub)
            self._count += 1
            missed = [(self._id(n), m) for n, m in self._backlog
                      if n > self._number(last_id) and (accept is None or accept(m))]
            return sub, missed, current

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            mine = self._by_key.get(sub.key, [])
            if sub in mine:
                mine.remove(sub)
                self._count -= 1
                if not mine:
                    del self._by_key[sub.key]

    def end_streams(self, which: Callable[[Subscriber], bool], why: str = "ended") -> int:
        """End the open streams ``which`` selects (their login has just ended): a page
        left open after a logout or a class deletion stops hearing at once."""
        with self._lock:
            chosen = [sub for mine in self._by_key.values() for sub in mine if which(sub)]
        for sub in chosen:
            sub.end(why)
        return len(chosen)

    def publish(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._last += 1
            number = self._last
            self._backlog.append((number, message))
            subscribers = [sub for mine in self._by_key.values() for sub in mine]
        event_id = self._id(number)
        for sub in subscribers:
            if sub.accept is None or sub.accept(message):
                sub.put(event_id, message)

    @property
    def count(self) -> int:
        """Streams open now (each holds one of the web server's threads)."""
        with self._lock:
            return self._count

    def _id(self, number: int) -> str:
        return f"{self.epoch}-{number}"

    def _number(self, event_id: str | None) -> int:
        """The number in one of this process's ids; a foreign or missing id counts as
        "saw everything" (nothing is replayed to a screen we cannot place)."""
        epoch, _, number = (event_id or "").partition("-")
        if epoch != self.epoch or not number.isdigit():
            return self._last
        return int(number)


broker = Broker()

_PENDING = "mallette_live_pending"


def publish_after_commit(db: DbSession, message: dict[str, Any]) -> None:
    """Publish ``message`` once ``db``'s transaction commits.

    why: a tablet told "session opened" reloads at once and must find the session in
    the database; and a change that is rolled back must never be announced."""
    db.info.setdefault(_PENDING, []).append(message)


@event.listens_for(DbSession, "after_commit")
def _publish_pending(db: DbSession) -> None:
    for message in db.info.pop(_PENDING, []):
        broker.publish(message)


@event.listens_for(DbSession, "after_transaction_end")
def _drop_pending(db: DbSession, transaction) -> None:  # noqa: ANN001 - SessionTransaction
    # why the outermost transaction only: a savepoint retried (kit.programs) is not the
    # end of the change; after a commit the list is already published and gone
    if transaction.parent is None:
        db.info.pop(_PENDING, None)


def _frame(event_id: str, msg: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {msg.get('type', 'message')}\ndata: {json.dumps(msg)}\n\n"


def busy_answer(current_id: str) -> str:
    """What a screen turned away gets: come back in a few seconds (EventSource does)."""
    return (f"retry: {random.randint(*BUSY_RETRY_MS)}\nid: {current_id}\n"
            "event: live.busy\ndata: {}\n\n")


class SSEStream:
    """The frames of one open stream; ``close()`` (called by the web server when the
    client goes away, even before the first frame) frees the slot."""

    def __init__(self, sub: Subscriber, missed: list[tuple[str, dict[str, Any]]],
                 current_id: str, *, disconnected: Callable[[], bool] | None = None,
                 heartbeat: float = HEARTBEAT_S, max_seconds: float = MAX_STREAM_S) -> None:
        self.sub = sub
        self._frames = _frames(sub, missed, current_id, disconnected, heartbeat, max_seconds)

    def __iter__(self) -> Iterator[str]:
        return self._frames

    def close(self) -> None:
        self._frames.close()
        self.sub.broker.unsubscribe(self.sub)


def _frames(sub: Subscriber, missed: list[tuple[str, dict[str, Any]]], current_id: str,
            disconnected: Callable[[], bool] | None, heartbeat: float,
            max_seconds: float) -> Iterator[str]:
    """SSE frames for ``sub`` until its lifetime is over, a newer stream of its login
    replaces it, or its client goes away; the slot is freed in every case."""
    end = time.monotonic() + max_seconds * random.uniform(1.0, 1.25)
    try:
        # why no id when replaying: the last replayed message carries it, so a stream cut
        # during the replay resumes where it stopped
        where = "" if missed else f"id: {current_id}\n"
        yield f"retry: {RECONNECT_MS}\n{where}event: live.open\ndata: {{}}\n\n"
        for event_id, msg in missed:
            yield _frame(event_id, msg)
        last_write = time.monotonic()
        while time.monotonic() < end:
            if disconnected is not None and disconnected():
                return
            items = sub.take(min(POLL_S, heartbeat))
            for event_id, msg in items:
                yield _frame(event_id, msg)
            if sub.ended == "replaced":
                # the page that held this stream is reloading or gone: tell it, just in
                # case it is still open (mallette.js then waits before reconnecting)
                yield "event: live.replaced\ndata: {}\n\n"
                return
            if sub.ended is not None:  # its login ended: the page goes back home
                yield "event: live.ended\ndata: {}\n\n"
                return
            now = time.monotonic()
            if items:
                last_write = now
            elif now - last_write >= heartbeat:
                yield ": ping\n\n"
                last_write = now
    finally:
        sub.broker.unsubscribe(sub)
