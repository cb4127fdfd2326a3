"""Running an import command the way an operator would, capturing what it prints."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

DATA = Path(__file__).parent / "data"


@dataclass
class Output:
    out: str
    err: str


def run_command(name: str, *args, **options) -> Output:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=err, **options)
    return Output(out.getvalue(), err.getvalue())
