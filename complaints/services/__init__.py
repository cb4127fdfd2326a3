"""Writes of the complaints app. Views, the API, commands and tasks call these."""

from .cases import case_attach
from .intake import IngestResult, report_ingest, report_process

__all__ = ["IngestResult", "case_attach", "report_ingest", "report_process"]
