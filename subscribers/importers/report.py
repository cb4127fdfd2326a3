"""Printing an import: progress bar on a terminal, counts, rejected lines with reasons."""

from __future__ import annotations

import getpass
import hashlib
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import OutputWrapper
from tqdm import tqdm

from subscribers.importers.common import NOTE, REJECTED, ImportResult

MAX_LISTED = 50
AUDITED_REJECTIONS = 20
_MAIN = ("created", "updated", "unchanged", REJECTED)


class ImportReport:
    """Counts results per file and lists rejected lines (and notes), capped."""

    def __init__(self, *, stdout: OutputWrapper, stderr: OutputWrapper, max_listed: int = MAX_LISTED):
        self.stdout = stdout
        self.stderr = stderr
        self.max_listed = max_listed
        self.counts: dict[str, Counter] = {}
        self.listed = Counter()
        self.rejected: list[str] = []  # the first few, for the audit entry

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
            if len(self.rejected) < AUDITED_REJECTIONS:
                self.rejected.append(f"{where}: {result.message}")
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

    def record(self, *, command: str, paths: Iterable[str | Path], failed: str = "") -> None:
        """One audit entry for the run: which files (by SHA-256, so the very bytes can be
        shown later), who ran it, what it did to the records attribution reads (who held
        which address, which account is whose). Rows are not audited one by one: a
        10-million-line session log would double the audit trail for nothing the file
        itself does not keep."""
        from abusedesk.audit import audit_record

        files = []
        for path in paths:
            path = Path(path)
            if path.is_file():
                files.append({"path": str(path), "sha256": _sha256(path), "size": path.stat().st_size})
        audit_record(
            action=f"import.{command.removeprefix('import_')}",
            system_actor=f"command:{command}",
            reason=f"{command} run by {_os_user()}",
            data={
                "files": files,
                "counts": {file: dict(counts) for file, counts in self.counts.items()},
                "rejected": self.rejected,
                **({"failed": failed} if failed else {}),
            },
        )

    @staticmethod
    def summary(counts: Counter) -> str:
        read = sum(n for outcome, n in counts.items() if outcome != NOTE)
        parts = [f"read {read}"] + [f"{outcome} {counts[outcome]}" for outcome in _MAIN]
        parts += [f"{outcome} {n}" for outcome, n in sorted(counts.items()) if outcome not in _MAIN]
        return ", ".join(parts)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container without a passwd entry
        return "unknown"
