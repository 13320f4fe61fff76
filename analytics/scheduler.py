"""The daily online backup: a thread that backs up at the time set in settings.toml [backup].

The timing is pure (:func:`next_run`) and the loop takes its clock and its wait as arguments,
so tests drive it without sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta

from analytics.backup import SCHEDULED_ACTOR, online_backup
from analytics.model import InputError
from analytics.settings import BackupSettings, load_settings
from analytics.storage import DatabaseUnavailable, Store

log = logging.getLogger(__name__)


def parse_hhmm(text: str) -> time:
    """``"HH:MM"`` as a time of day; ValueError for anything else."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
        raise ValueError(f"settings: backup.daily_at must be HH:MM, not {text!r}")
    return time(int(hours), int(minutes))


def next_run(now: datetime, at: str) -> datetime:
    """The first moment strictly after ``now`` at the time of day ``at`` ("HH:MM")."""
    when = datetime.combine(now.date(), parse_hhmm(at))
    return when if when > now else when + timedelta(days=1)


class DailyJob:
    """Runs ``job`` once each day at ``at``; a failure is logged and the next day still runs."""

    def __init__(self, job: Callable[[], object], at: str,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.job, self.at, self.clock = job, at, clock
        self.due = next_run(clock(), at)
        self.stopped = threading.Event()

    def tick(self) -> bool:
        """Run the job if it is due; True when it ran (or failed trying)."""
        now = self.clock()
        if now < self.due:
            return False
        try:
            self.job()
        except (InputError, DatabaseUnavailable) as e:
            log.error("定时备份失败:%s", e)
        except Exception:
            log.exception("定时备份失败")
        # Counted from now, so a job that was late (machine asleep) runs once, not once per missed day.
        self.due = next_run(self.clock(), self.at)
        return True

    def run(self, wait: Callable[[float], bool] | None = None) -> None:
        """Tick until stopped; ``wait(seconds)`` returns True to stop (default: the stop event)."""
        wait = wait or self.stopped.wait
        while True:
            self.tick()
            seconds = max(1.0, min(60.0, (self.due - self.clock()).total_seconds()))
            if wait(seconds):
                return

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="daily-backup", daemon=True)
        thread.start()
        return thread


def daily_backup_job(stores: Callable[[], Store], settings: Callable[[], BackupSettings]) -> Callable[[], object]:
    """The scheduled backup: settings read at each run, so a changed folder or keep applies next time.

    ``stores`` gives the thread a cursor at each run (Database.store), so a database opened again
    since the thread started is the one backed up.
    """
    def job() -> object:
        s = settings()
        return online_backup(stores(), s.folder, s.keep, SCHEDULED_ACTOR)
    return job


def start_daily_backup(stores: Callable[[], Store]) -> DailyJob:
    """Start the daily backup thread, which takes a cursor from ``stores`` at each run; once per process."""
    daily = DailyJob(daily_backup_job(stores, lambda: load_settings().backup), load_settings().backup.daily_at)
    daily.start()
    return daily
