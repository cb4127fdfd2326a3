"""The dossier as a PDF that reads like the HTML dossier and opens anywhere.

Fonts: the IPA Gothic TrueType fonts (Debian's `fonts-ipafont-gothic`, installed in
CI and in the Docker image), embedded as subsets, so the file needs no font on the
reader's machine (no "standard" CID font that a reader may lack and show as blank
pages). IPAPGothic is proportional (Latin reads normally), IPAGothic is fixed-pitch
for digests. When neither file is found the PDF is refused with `PdfFontMissing`,
a clear error, instead of a file that shows nothing.

Wrapping: paragraphs wrap like Japanese text (a break may fall between two kana or
kanji), and reportlab backs off to the last space or CJK character before a Latin
word, so addresses and references stay whole. Digests get a row of their own.

Every code is shown as its label (sanctions.labels), every reason as its sentence,
and headings follow the reader's language.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from abusedesk.errors import ApplicationError
from complaints.facts.sentences import evidence_answer_text
from complaints.subjects import case_subject

from .dossier import Dossier
from .labels import clause_title, label, labels

FONT, MONO = "IPAPGothic", "IPAGothic"
# Where Debian (and Ubuntu) put fonts-ipafont-gothic; the fontconfig alias files last.
FONT_FILES = {
    FONT: (
        "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
        "/usr/share/fonts/truetype/ipafont-gothic/ipagp.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    ),
    MONO: (
        "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        "/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    ),
}
WIDTH = 182  # mm between the margins of A4


class PdfFontMissing(ApplicationError):
    status_code = 503
    code = "pdf_font_missing"


def font_file(name: str, candidates=None) -> Path:
    for candidate in candidates if candidates is not None else FONT_FILES[name]:
        path = Path(candidate)
        if path.is_file():
            return path
    raise PdfFontMissing(
        _(
            "The PDF needs a Japanese TrueType font and none was found "
            "(install the fonts-ipafont-gothic package). The HTML dossier works without it."
        )
    )


def _register_fonts() -> None:
    """Find the font files (every time: a font removed from the server must give the
    clear error, not a PDF from a font registered earlier) and register them once."""
    files = {name: font_file(name) for name in (FONT, MONO)}
    for name, path in files.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=12, wordWrap="CJK", spaceAfter=2)
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=15, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=body, fontSize=9.5, leading=13, spaceBefore=5, spaceAfter=2),
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.HexColor("#5b6475")),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5, spaceAfter=0),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=7.5, leading=9.5, spaceAfter=0, textColor=colors.HexColor("#5b6475")
        ),
        "mono": ParagraphStyle("mono", parent=body, fontName=MONO, fontSize=6.5, leading=8.5, spaceAfter=0),
    }


def _when(value, seconds: bool = False) -> str:
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def _p(text, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _table(
    header: list[str], rows: list[list], widths: list[float], digests: list[str] | None = None
) -> Table:
    """A grid; with `digests`, each row is followed by a full-width row holding its SHA-256."""
    data = [[_p(h, "head") for h in header]]
    spans = []
    for i, row in enumerate(rows):
        data.append([c if isinstance(c, Paragraph) else _p(c, "cell") for c in row])
        if digests is not None:
            data.append([_p(f"SHA-256 {digests[i]}", "mono")] + [""] * (len(header) - 1))
            spans.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
            spans.append(("LINEABOVE", (0, len(data) - 1), (-1, len(data) - 1), 0, colors.white))
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # plain-string cells too (the default is Helvetica)
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dde4")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f7f9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *spans,
            ]
        )
    )
    return table


def _definitions(pairs: list[tuple[str, str]]) -> Table:
    data = [[_p(term, "head"), _p(value, "cell")] for term, value in pairs]
    table = Table(data, colWidths=[38 * mm, (WIDTH - 38) * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def dossier_pdf(dossier: Dossier) -> bytes:
    _register_fonts()  # raises PdfFontMissing before anything is built
    styles = _styles()
    buffer = io.BytesIO()
    case = dossier.case
    heading = _("Dossier") + " · " + _("Case") + f" {case.pk}: {case_subject(case.subject)}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=heading,
        author="Abuse desk",
        subject=f"{_('Case')} {case.pk}",
        lang=get_language() or "en",
        # The canvas's first font would otherwise be Helvetica: a font the file names
        # but does not embed, which "opens anywhere" must not have.
        initialFontName=FONT,
        initialFontSize=8.5,
    )
    story = [Paragraph(escape(heading), styles["title"])]
    story.append(
        _p(
            _("Dossier generated %(at)s.") % {"at": _when(dossier.generated_at, seconds=True)}
            + f" {case.key} · {label(case.status, 'case_status')}"
            + (f" · {label(case.resolution, 'resolution')}" if case.resolution else "")
        )
    )
    story.append(
        _p(
            _(
                "Complainants appear as R1, R2, …; message content is not part of the dossier, "
                "only its SHA-256 digest."
            ),
            "muted",
        )
    )
    story += _complaints(dossier) + _steps(dossier) + _facts(dossier) + _evidence(dossier)
    for sanction in dossier.sanctions:
        story += _sanction(sanction, dossier)
    if not dossier.sanctions:
        story.append(_p(_("No measure has been proposed on this case.")))
    document.build(story)
    return buffer.getvalue()


def _complaints(dossier: Dossier) -> list:
    rows = [
        [
            r.reference,
            _when(r.received_at),
            _when(r.occurred_at),
            r.channel + (f" ({label(r.format, 'report_format')})" if r.format else ""),
            r.source_ip or "—",
            r.reporter,
        ]
        for r in dossier.reports
    ]
    reporters = ngettext("%(n)s reporter", "%(n)s reporters", dossier.reporter_count) % {
        "n": dossier.reporter_count
    }
    header = [_("Reference"), _("Received"), _("Occurred at"), _("Channel"), _("Source"), _("Reporter")]
    story = [
        _p(f"{_('Complaints')} ({len(rows)}, {reporters})", "h2"),
        _table(header, rows, [22, 32, 32, 42, 38, 16], digests=[r.sha256 for r in dossier.reports]),
    ]
    purged = [f"{r.reference} ({_when(r.purged_at)})" for r in dossier.purged]
    if purged:
        story.append(
            _p(
                _("Raw content purged under the retention period (digests, facts and decisions remain):")
                + " "
                + ", ".join(purged)
            )
        )
    return story


def _steps(dossier: Dossier) -> list:
    story = [_p(_("Attribution steps"), "h2")]
    for group in dossier.step_groups:
        refs = ", ".join(group.references[:10])
        if group.count > 10:
            refs += " … " + ngettext("%(n)s report in all", "%(n)s reports in all", group.count) % {
                "n": group.count
            }
        story.append(_p(f"• {group.sentence} ({refs})"))
    if not dossier.step_groups:
        story.append(_p(_("Not attributed yet.")))
    return story


FACT_TITLES = {
    "joe_job": gettext_lazy("Joe job"),
    "shared_ipv4": gettext_lazy("Shared IPv4"),
    "aggravating": gettext_lazy("Aggravating facts"),
    "telemetry": gettext_lazy("Our telemetry"),
    "sender_authentication": gettext_lazy("Sender authentication"),
}


def _fact_value(key: str, fact: dict) -> str:
    value = fact.get("value")
    if key == "sender_authentication":
        n = fact.get("reports") or 0
        return ngettext("Evaluated for %(n)s report.", "Evaluated for %(n)s reports.", n) % {"n": n}
    if isinstance(value, list):
        return labels(value, "fact_value")
    return _("yes") if value else _("no")


def _facts(dossier: Dossier) -> list:
    story = [_p(_("Derived facts"), "h2")]
    story.append(
        _p(
            _(
                "Derived from the records, never typed by a person: each with the steps and the "
                "evidence that produced it."
            ),
            "muted",
        )
    )
    for key, title in FACT_TITLES.items():
        fact = dossier.facts.get(key) or {}
        story.append(_p(f"{title}: {_fact_value(key, fact)}", "h3"))
        for step in fact.get("steps") or []:
            refs = [f"#{pk}" for pk in step["evidence"]] + [f"ADR-{pk:08d}" for pk in step["reports"]]
            count = ngettext("(in %(n)s report)", "(in %(n)s reports)", step["count"]) % {"n": step["count"]}
            tail = (f" {count}" if step["count"] > 1 else "") + (f" [{', '.join(refs)}]" if refs else "")
            story.append(_p(f"• {step['text']}{tail}"))
    return story


def _evidence(dossier: Dossier) -> list:
    rows, digests = [], []
    for e in dossier.evidence:
        lookup = Paragraph(
            f"{escape(e.get_kind_display())}<br/><font name='{MONO}' size='6.5'>"
            f"{escape(e.query_name)} {escape(e.query_type)}</font>",
            _styles()["cell"],
        )
        outcome = e.get_outcome_display() + (" — " + _("listed") if e.listed else "")
        answer = evidence_answer_text(e)[:400]
        rows.append([_when(e.asked_at, seconds=True), f"#{e.pk}", lookup, e.server, outcome, answer])
        digests.append(e.digest)
    header = [_("Asked at"), "#", _("Lookup"), _("Server"), _("Outcome"), _("Answer")]
    story = [_p(f"{_('Evidence records')} ({len(rows)})", "h2")]
    if rows:
        story.append(_table(header, rows, [30, 10, 56, 24, 22, 40], digests=digests))
    else:
        story.append(_p(_("No evidence records.")))
    return story


def _sanction(s, dossier: Dossier) -> list:
    from policies.reasons import reason_text

    rec = s.recommendation or {}
    recommended = label(s.recommended_level, "level") if s.recommended_level else _("no measure")
    culpability, approval = (
        label(rec.get("culpability"), "culpability"),
        label(rec.get("approval"), "approval"),
    )
    recommended += (
        f" ({_('rule')} {rec.get('rule') or '—'}, {_('evidence')} {rec.get('evidence_level') or '—'}, "
        f"{culpability}, {_('approval')}: {approval})"
    )
    reasons = [str(reason_text(r)) for r in rec.get("reasons") or []]
    if reasons:
        recommended += "\n" + "\n".join(f"• {r}" for r in reasons)
    clauses = "\n".join(
        f"{c.get('isp_number') or ''} {clause_title(c)} ({c['catalogue_id']}, v{c['version']})".strip()
        for c in s.clauses
    )
    relied = "\n".join(item.text for item in dossier.relied_on.get(s.pk, [])) or "—"
    period = (
        ngettext("%(n)s day", "%(n)s days", s.period_days) % {"n": s.period_days}
        if s.period_days
        else _("until lifted")
    )
    pairs = [
        (_("Measure"), label(s.level, "level") + (" · " + _("emergency") if s.emergency else "")),
        (_("Target"), f"{label(s.target_kind, 'target')}: {s.target_label}"),
        (_("Justification"), s.justification),
        (_("Clauses"), clauses or "—"),
        (
            _("Legal basis"),
            label(s.legal_basis, "legal_basis") + (f"\n{s.legal_references}" if s.legal_references else ""),
        ),
        (_("Evidence relied on"), relied),
        (_("Culpability"), label(s.culpability, "culpability")),
        (_("Recommended"), recommended),
        (_("Criteria version"), str(s.criteria_version or "—")),
        (_("Period"), period),
        (_("Proposed"), f"{s.proposed_by.get_username()}, {_when(s.created_at)}"),
        (_("Decided"), f"{s.decided_by.get_username()}, {_when(s.decided_at)}" if s.decided_by else "—"),
    ]
    if s.emergency:
        pairs.append((_("Review due"), _when(s.review_due_at)))
        pairs.append((_("Notice due"), _when(s.notify_due_at)))
    title = f"{s.reference}: {s.level} · {s.target_label} · {label(s.state, 'state')}"
    story = [KeepTogether([_p(title, "h2"), _definitions(pairs)])]
    rows = [
        [
            _when(t.at),
            label(t.action, "action"),
            label(t.from_state, "state"),
            label(t.to_state, "state"),
            t.actor_name,
            t.reason,
        ]
        for t in s.transitions.all()
    ]
    header = [
        _("At"),
        _("Action"),
        pgettext("state of a measure", "From"),
        pgettext("state of a measure", "To"),
        pgettext("person who acted", "By"),
        _("Why"),
    ]
    transitions = _table(header, rows, [28, 30, 24, 24, 20, 56]) if rows else _p(_("No decision yet."))
    story.append(KeepTogether([_p(_("Transitions"), "h3"), transitions]))
    return story + _records(s)


def _records(s) -> list:
    story = []
    for e in s.executions.all():
        parts = [
            label(e.action, "execution_action"),
            label(e.executor, "executor"),
            label(e.status, "execution_status"),
        ]
        if e.response_status:
            parts.append(f"HTTP {e.response_status}")
        if e.confirmed_at:
            parts.append(f"{_('confirmed')} {_when(e.confirmed_at)}")
        story.append(_p(_("Executions") + ": " + " · ".join(parts)))
    for n in s.notices.all():
        sent = f"{_('sent')} {_when(n.sent_at)}" if n.sent_at else _("not sent")
        language = label(n.language, "language")
        story.append(
            _p(f"{label(n.kind, 'notice_kind')} ({language}) → {n.to or '—'} · {sent} · {n.subject}", "h3")
        )
        story.append(_p(n.body))
    for a in s.hearing_answers.all():
        who = a.recorded_by.get_username() if a.recorded_by else "—"
        answer = _("The customer's answer")
        channel = label(a.channel, "answer_channel")
        story.append(_p(f"{answer} · {_when(a.received_at)} · {channel} · {_('recorded by')} {who}", "h3"))
        story.append(_p(a.text))
    story.append(Spacer(1, 3 * mm))
    return story
