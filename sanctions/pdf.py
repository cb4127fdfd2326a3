"""The dossier as a PDF (reportlab), with a CID font so Japanese text prints.

HeiseiKakuGo-W5 is one of the CID fonts every PDF reader knows: nothing is
embedded and no font file is needed on the server.
"""

from __future__ import annotations

import functools
import io
import json
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .dossier import Dossier

FONT = "HeiseiKakuGo-W5"


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["BodyText"], fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK"
    )
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=FONT, fontSize=16),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=FONT, fontSize=12),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontName=FONT, fontSize=10),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
    }


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "—"


def _p(text, style="body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _table(header: list[str], rows: list[list], widths: list[float]) -> Table:
    data = [[_p(h, "cell") for h in header]] + [[_p(c, "cell") for c in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def dossier_pdf(dossier: Dossier) -> bytes:
    buffer = io.BytesIO()
    case = dossier.case
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, title=f"Case {case.pk} dossier"
    )
    story = [_p(f"Case {case.pk} dossier / 事案記録: {case.subject}", "title")]
    story.append(_p(f"Generated {_when(dossier.generated_at)} · key {case.key} · status {case.status}"))
    story += _complaints(dossier) + _evidence(dossier)
    for sanction in dossier.sanctions:
        story += _sanction(sanction)
    document.build(story)
    return buffer.getvalue()


def _complaints(dossier: Dossier) -> list:
    rows = [
        [r.reference, _when(r.received_at), _when(r.occurred_at), r.source_ip or "—", r.reporter, r.sha256]
        for r in dossier.reports
    ]
    story = [Spacer(1, 4 * mm), _p(f"Complaints ({len(rows)}, {dossier.reporter_count} reporters)", "h2")]
    story.append(
        _table(
            ["Reference", "Received", "Occurred", "Source", "Reporter", "SHA-256"],
            rows,
            [22, 30, 30, 24, 14, 62],
        )
    )
    purged = [f"{r.reference} ({_when(r.purged_at)})" for r in dossier.purged]
    if purged:
        story.append(
            _p(
                "Raw content purged under the retention period (digests, facts and decisions remain): "
                + ", ".join(purged)
            )
        )
    steps = [f"{r.reference}: {s}" for r in dossier.reports for s in r.steps]
    if steps:
        story += [_p("Attribution steps", "h3")] + [_p("• " + s) for s in steps]
    return story


def _evidence(dossier: Dossier) -> list:
    rows = [
        [
            _when(e.asked_at),
            f"{e.kind} {e.query_name} {e.query_type}",
            e.server,
            e.outcome,
            ", ".join(e.answer)[:120],
            e.digest,
        ]
        for e in dossier.evidence
    ]
    return [
        _p(f"Evidence records ({len(rows)})", "h2"),
        _table(["Asked", "Lookup", "Server", "Outcome", "Answer", "SHA-256"], rows, [28, 38, 20, 16, 26, 54]),
    ]


def _sanction(s) -> list:
    rec = s.recommendation or {}
    clauses = "; ".join(
        f"{c['isp_number']} {c['title']} ({c['catalogue_id']}, v{c['version']})" for c in s.clauses
    )
    lines = [
        f"Criteria version {s.criteria_version} · recommended {s.recommended_level or 'no measure'} "
        f"(rule {rec.get('rule')}, evidence {rec.get('evidence_level')}, "
        f"culpability {rec.get('culpability')}, "
        f"approval {rec.get('approval')}) · chosen {s.level} · culpability recorded: {s.culpability or '—'}",
        f"Reasons: {', '.join(rec.get('reasons') or []) or '—'}",
        f"Justification: {s.justification}",
        f"Legal basis: {s.get_legal_basis_display()} {s.legal_references}",
        f"Clauses: {clauses}",
        f"Evidence relied on: {json.dumps(s.evidence_relied_on)}",
        f"Proposed by {s.proposed_by.get_username()} at {_when(s.created_at)}"
        + (" · EMERGENCY" if s.emergency else ""),
    ]
    story = [_p(f"Measure {s.reference}: {s.level} on {s.target_label} — {s.get_state_display()}", "h2")]
    story += [_p(line) for line in lines]
    rows = [
        [_when(t.at), t.action, f"{t.from_state} → {t.to_state}", t.actor_name, t.reason]
        for t in s.transitions.all()
    ]
    story.append(_table(["At", "Action", "States", "By", "Reason"], rows, [30, 24, 36, 20, 72]))
    return story + _records(s)


def _records(s) -> list:
    story = []
    for e in s.executions.all():
        http = e.response_status or "—"
        story.append(
            _p(
                f"Execution {e.action} via {e.executor}: {e.status}, HTTP {http}, attempts {e.attempts}, "
                f"confirmed {_when(e.confirmed_at)}"
            )
        )
    for n in s.notices.all():
        story.append(
            _p(
                f"Notice ({n.kind}, {n.language}) to {n.to or '—'}, sent {_when(n.sent_at)}: {n.subject}",
                "h3",
            )
        )
        story.append(_p(n.body))
    for a in s.hearing_answers.all():
        who = a.recorded_by.get_username()
        story.append(
            _p(
                f"Answer received {_when(a.received_at)} ({a.channel or '—'}), recorded by {who}:",
                "h3",
            )
        )
        story.append(_p(a.text))
    return story
