"""The periodic detection: mail-log rows it has not looked at yet, by id, in slices.

The watermark moves with a conditional UPDATE (… WHERE last_id = <what we read>), so
two beats running at once cannot both move it; the slower one's detection is harmless
anyway (VolumeWindow is unique per login and hour).
"""

from __future__ import annotations

from django.utils import timezone

from ..models import VolumeScan
from ..selectors import hours_after
from .volume import DetectionResult, volume_detect

SCAN_NAME = "maillog"
# Rows per run: the import writes about 6,800 rows/s on PostgreSQL, 2 M rows in five
# minutes (the beat's period); the hours of 2 M rows are one indexed range read.
SCAN_LIMIT = 2_000_000


def volume_scan(*, limit: int = SCAN_LIMIT) -> DetectionResult:
    """Detect over the hours of rows after the watermark, then move it.

    A row committed late with an id below the watermark (a long import transaction)
    is not seen here; import_maillog checks the hours it wrote itself, so its rows are
    covered either way."""
    scan, _ = VolumeScan.objects.get_or_create(name=SCAN_NAME)
    hours, upper_id = hours_after(last_id=scan.last_id, limit=limit)
    if not hours:
        return DetectionResult()
    result = volume_detect(hours=hours)
    VolumeScan.objects.filter(pk=scan.pk, last_id=scan.last_id).update(
        last_id=upper_id, scanned_at=timezone.now()
    )
    return result
