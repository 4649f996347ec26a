"""Customer answers of the current published snapshot, kept as the bytes sent.

A published snapshot is never written again (api/snapshot.py), so an answer read
from it stays right for as long as that snapshot is the one served: the cache
holds the answers of one snapshot only and starts empty when current.json names
another. The project database and RFM_API_DATABASE can change under the API, so
their answers are never kept. The least recently asked customer goes first when
the cache is full; RFM_API_CACHED_CUSTOMERS sets the size (0: no cache).

When every customer of a snapshot fits, the cache is filled with all of them at
once, in one query on a background thread, the first time the snapshot is asked
for (warm()); lookups that come before it is filled read their own row. A larger
customer table is kept per lookup, the least recently asked going first.

Why: on the 2-core machine a lookup read from DuckDB cost about 2 ms of server
CPU, 1.5 ms of it the query for one row of the wide customer table; a kept answer
costs about 0.5 ms, and filling the demo's 13,112 answers 0.5 s (docs/api.md,
"Under load")."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable

from .snapshot import DatabaseChoice, database_to_read

Answer = tuple[bytes, dict[str, str]]  # the JSON body and the run headers sent with it
# Reads every customer's answer of a snapshot, or None when there are more than the given number.
LoadAll = Callable[[DatabaseChoice, int], "dict[str, Answer] | None"]
LOG = logging.getLogger(__name__)


class AnswerCache:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._snapshot: tuple | None = None
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._warming: tuple | None = None  # the snapshot whose fill was last started
        self.fill_thread: threading.Thread | None = None  # that fill (tests wait for it)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    @staticmethod
    def _snapshot_of(choice: DatabaseChoice) -> tuple | None:
        """The published file and its identity on disk: a file put back under the same name (never done
        by the publisher, but possible by hand) is another snapshot."""
        if choice.source != "published_snapshot":
            return None
        try:
            status = os.stat(choice.path)
        except OSError:
            return None
        return str(choice.path), status.st_ino, status.st_size, status.st_mtime_ns

    def get(self, choice: DatabaseChoice, key: str) -> Answer | None:
        snapshot = self._snapshot_of(choice)
        if snapshot is None or self.max_entries <= 0:
            return None
        with self._lock:
            if snapshot != self._snapshot:
                return None
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, choice: DatabaseChoice, key: str, answer: Answer) -> None:
        snapshot = self._snapshot_of(choice)
        if snapshot is None or self.max_entries <= 0:
            return
        with self._lock:
            if self._adopt(choice, snapshot):
                self._answers[key] = answer
                self._answers.move_to_end(key)
                self._trim()

    def warm(self, choice: DatabaseChoice, load_all: LoadAll) -> None:
        """Start filling the cache with every answer of this snapshot, once per snapshot, on a thread."""
        snapshot = self._snapshot_of(choice)
        if snapshot is None or self.max_entries <= 0:
            return
        with self._lock:
            if snapshot == self._warming:
                return
            self._warming = snapshot
        self.fill_thread = threading.Thread(target=self._fill, args=(choice, snapshot, load_all),
                                            name="answer-cache-fill", daemon=True)
        self.fill_thread.start()

    def _fill(self, choice: DatabaseChoice, snapshot: tuple, load_all: LoadAll) -> None:
        try:
            answers = load_all(choice, self.max_entries)
        except Exception:  # a cache: the lookups still read their own rows
            LOG.warning("could not fill the answer cache from %s", choice.path.name, exc_info=True)
            return
        if answers is None or self._snapshot_of(choice) != snapshot:
            return
        with self._lock:
            if self._adopt(choice, snapshot):
                for key, answer in answers.items():
                    self._answers.setdefault(key, answer)
                self._trim()

    def _adopt(self, choice: DatabaseChoice, snapshot: tuple) -> bool:
        """Whether answers of `snapshot` may be kept; a newer snapshot replaces the old one's answers, while a
        request that still read the old snapshot after the switch keeps its answer to itself. Under the lock."""
        if snapshot == self._snapshot:
            return True
        if self._snapshot is not None and not self._is_current(choice):
            return False
        self._snapshot = snapshot
        self._answers.clear()
        return True

    def _trim(self) -> None:
        while len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)

    def _is_current(self, choice: DatabaseChoice) -> bool:
        return self._snapshot_of(database_to_read()) == self._snapshot_of(choice)
