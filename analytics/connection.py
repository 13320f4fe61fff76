"""The process's one connection to the database file, opened again after DuckDB stopped it.

DuckDB gives up an open database for good after a fatal error, most often a checkpoint that
found the disk full: every later statement fails until the database is opened again, although
the file is intact and everything committed is in it. A dashboard runs for weeks, so instead of
failing until someone restarts it, :class:`Database` notices the stopped connection at its next
use, closes it (which releases the file for the command line) and opens the file anew.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from analytics.storage import DatabaseStopped, DatabaseUnavailable, Store, db_path, fault_of


class Database:
    """Opens the file on first use, hands each thread a cursor, and reopens after a fatal error.

    ``prepare`` runs once after each opening (the dashboard loads the seed into an empty file).
    Nothing is kept from a failed opening, so the next call tries again: a full disk that has
    been cleared, or a command-line program that has finished, needs no restart.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 prepare: Callable[[Store], object] | None = None) -> None:
        self.path: Path = db_path(path)
        self._prepare = prepare
        self._store: Store | None = None
        self._lock = threading.Lock()
        self.openings = 0  # how often the file was opened: 1 unless DuckDB stopped it

    def store(self) -> Store:
        """A cursor for the calling thread; raises DatabaseUnavailable (in Chinese) if the file will not open."""
        with self._lock:
            if self._store is not None:
                cursor = self._store.cursor()
                if cursor.usable():
                    return cursor
                cursor.close()
                self._discard()
            store = Store.open(self.path)
            try:
                if self._prepare is not None:
                    self._prepare(store)
            except Exception as e:
                store.close()
                raise fault_of(store.path, e) or e from None
            self._store = store
            self.openings += 1
            return store.cursor()

    def fault(self, error: BaseException) -> DatabaseUnavailable | None:
        """The Chinese explanation of ``error``, or None if it is not about the database file.

        A stopped database is marked so, and the next :meth:`store` opens the file again.
        """
        with self._lock:
            if self._store is not None:
                return self._store.fault(error)
        return fault_of(self.path, error)

    @property
    def is_open(self) -> bool:
        """Whether a connection is open (it may still turn out to be stopped at the next use)."""
        return self._store is not None

    @property
    def stopped(self) -> DatabaseStopped | None:
        with self._lock:
            return self._store.stopped if self._store is not None else None

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _discard(self) -> None:
        if self._store is None:
            return
        # Closing a stopped database can fail; it is dropped either way.
        with contextlib.suppress(Exception):
            self._store.close()
        self._store = None
