"""Printing an import: progress bar on a terminal, counts, rejected lines with reasons."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable

from django.core.management.base import OutputWrapper
from tqdm import tqdm

from subscribers.importers.common import NOTE, REJECTED, ImportResult

MAX_LISTED = 50
_MAIN = ("created", "updated", "unchanged", REJECTED)


class ImportReport:
    """Counts results per file and lists rejected lines (and notes), capped."""

    def __init__(self, *, stdout: OutputWrapper, stderr: OutputWrapper, max_listed: int = MAX_LISTED):
        self.stdout = stdout
        self.stderr = stderr
        self.max_listed = max_listed
        self.counts: dict[str, Counter] = {}
        self.listed = Counter()

    def run(self, results: Iterable[ImportResult], *, unit: str = "line") -> None:
        # The bar goes to stderr and only on a terminal: logs and cron mail stay clean.
        bar = tqdm(results, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)
        for result in bar:
            self.add(result)

    def add(self, result: ImportResult) -> None:
        counts = self.counts.setdefault(result.file, Counter())
        counts[result.outcome] += result.count
        where = f"{result.file}:{result.line}" if result.line else result.file
        if result.outcome == REJECTED:
            self._list(self.stderr, REJECTED, f"{where}: {result.message}")
        elif result.outcome == NOTE:
            self._list(self.stdout, NOTE, f"{where}: note: {result.message}")

    def _list(self, stream: OutputWrapper, kind: str, text: str) -> None:
        self.listed[kind] += 1
        if self.listed[kind] <= self.max_listed:
            with tqdm.external_write_mode(file=sys.stderr):
                stream.write(text)

    def finish(self) -> None:
        for kind, stream in ((NOTE, self.stdout), (REJECTED, self.stderr)):
            hidden = self.listed[kind] - self.max_listed
            if hidden > 0:
                stream.write(f"... and {hidden} more {'notes' if kind == NOTE else 'rejected lines'}")
        for file, counts in self.counts.items():
            self.stdout.write(f"{file}: {self.summary(counts)}")

    @staticmethod
    def summary(counts: Counter) -> str:
        read = sum(n for outcome, n in counts.items() if outcome != NOTE)
        parts = [f"read {read}"] + [f"{outcome} {counts[outcome]}" for outcome in _MAIN]
        parts += [f"{outcome} {n}" for outcome, n in sorted(counts.items()) if outcome not in _MAIN]
        return ", ".join(parts)
