"""A case's timeline entries (complaints.selectors.case_timeline) as sentences.

The audit trail records codes and ids; a person reads "Measure ADS-000012
approved", with links to the report or measure the entry is about. Sentences are
translated; codes go through `sanctions.labels`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .labels import label, labels


@dataclass(frozen=True)
class Event:
    text: str
    url: str = ""
    link_text: str = ""
    kind: str = ""  # a CSS hook: report, evidence, case, measure, notice


def _report(object_id: str) -> tuple[str, str]:
    pk = int(object_id) if str(object_id).isdigit() else None
    if pk is None:
        return "", ""
    return reverse("report-detail", args=[pk]), f"ADR-{pk:08d}"


def _sanction(pk) -> tuple[str, str]:
    if not str(pk).isdigit():
        return "", ""
    return reverse("sanction-detail", args=[int(pk)]), f"ADS-{int(pk):06d}"


def _case_event(action: str, data: dict) -> Event | None:
    if action == "case.opened":
        return Event(_("Case opened."), kind="case")
    if action == "case.assigned":
        who = data.get("assignee_name")
        return Event(_("Assigned to %(who)s.") % {"who": who} if who else _("Unassigned."), kind="case")
    if action == "case.closed":
        text = _("Closed: %(resolution)s.") % {"resolution": label(data.get("resolution"), "resolution")}
        if data.get("duplicate_of"):
            return Event(
                text + " " + _("Duplicate of case %(pk)s.") % {"pk": data["duplicate_of"]},
                reverse("case-detail", args=[data["duplicate_of"]]),
                _("case %(pk)s") % {"pk": data["duplicate_of"]},
                "case",
            )
        return Event(text, kind="case")
    if action == "case.reopened":
        return Event(_("Reopened."), kind="case")
    if action == "case.forwarded":
        return Event(
            _("Forwarded to %(to)s as %(fmt)s.")
            % {"to": data.get("to", "—"), "fmt": str(data.get("format", "")).upper()},
            kind="forward",
        )
    if action == "case.replied":
        n = int(data.get("recipients") or 0)
        return Event(
            ngettext(
                "Reply “%(template)s” sent to %(n)s complainant.",
                "Reply “%(template)s” sent to %(n)s complainants.",
                n,
            )
            % {"template": label(data.get("template"), "reply_template"), "n": n},
            kind="reply",
        )
    if action == "evidence.collected":
        n, listed = int(data.get("n") or 0), int(data.get("listed") or 0)
        text = ngettext(
            "%(n)s DNS answer recorded for %(subjects)s.", "%(n)s DNS answers recorded for %(subjects)s.", n
        ) % {"n": n, "subjects": ", ".join(data.get("subjects") or []) or "—"}
        if listed:
            text += " " + ngettext("%(n)s blocklist lists it.", "%(n)s blocklists list it.", listed) % {
                "n": listed
            }
        return Event(text, kind="evidence")
    return None


def _report_event(action: str, object_id: str, data: dict) -> Event | None:
    url, ref = _report(object_id)
    if action == "report.grouped":
        return Event(_("Report received and added to the case:"), url, ref, "report")
    if action == "report.received":
        return Event(_("Report received:"), url, ref, "report")
    if action == "report.attributed":
        text = _("Attribution of the report: role %(roles)s, method %(method)s, accounts %(accounts)s.") % {
            "roles": labels(data.get("roles"), "role"),
            "method": label(data.get("method"), "method"),
            "accounts": ", ".join(data.get("accounts") or []) or "—",
        }
        return Event(text, url, ref, "report")
    if action == "content.viewed":
        return Event(_("Message content opened:"), url, ref, "content")
    if action == "report.attached_filed":
        n = len(data.get("reports") or [])
        text = ngettext(
            "It carried %(n)s more reported message, filed as a report of its own:",
            "It carried %(n)s more reported messages, each filed as a report of its own:",
            n,
        ) % {"n": n}
        return Event(text, url, ref, "report")
    return None


def _measure_event(action: str, object_id: str, data: dict) -> Event | None:
    if action == "sanction.proposed":
        url, ref = _sanction(object_id)
        text = _("Measure proposed: %(level)s on %(target)s.") % {
            "level": label(data.get("level"), "level"),
            "target": data.get("target") or "—",
        }
        return Event(text, url, ref, "measure")
    if action == "sanction.hearing_answer":
        url, ref = _sanction(data.get("sanction"))
        return Event(_("The customer's answer was recorded:"), url, ref, "measure")
    if action.startswith("sanction."):
        url, ref = _sanction(object_id)
        edge = action.removeprefix("sanction.")
        text = _("%(action)s: the measure is now %(state)s.") % {
            "action": label(edge, "action"),
            "state": label(data.get("to"), "state"),
        }
        return Event(text, url, ref, "measure")
    if action.startswith("notice.") and action.endswith(".prepared"):
        kind = action.split(".")[1]
        text = _("%(kind)s prepared for %(to)s (%(language)s).") % {
            "kind": label(kind, "notice_kind"),
            "to": data.get("to") or "—",
            "language": label(data.get("language"), "language"),
        }
        return Event(text, kind="notice")
    if action.startswith("execution."):
        _prefix, what, stage = (action.split(".") + ["", ""])[:3]
        if stage == "requested":
            text = _("Instruction sent: %(what)s.") % {"what": label(what, "execution_action")}
        else:
            text = _("Confirmed as done: %(what)s.") % {"what": label(what, "execution_action")}
        return Event(text, kind="measure")
    if action == "dossier.viewed":
        return Event(
            _("Dossier opened (%(format)s).") % {"format": str(data.get("format", "html")).upper()},
            kind="dossier",
        )
    return None


@dataclass
class Line:
    """What the page shows: one event, or a run of identical ones (same sentence, same
    person, same note) folded together with all their links, e.g. "Report received"
    for each of five reports of one spam run."""

    at: object
    who: str
    text: str
    kind: str
    reason: str
    links: list[tuple[str, str]]
    count: int = 1
    earliest: object = None


MAX_LINKS = 20


def timeline_lines(entries) -> list[Line]:
    """Fold identical events of the same minute into one line (newest first stays)."""
    lines: list[Line] = []
    by_key: dict[tuple, Line] = {}
    for entry in entries:
        ev = event(entry)
        key = (ev.text, entry.who, entry.reason, ev.kind, entry.at.replace(second=0, microsecond=0))
        line = by_key.get(key)
        if line is not None:
            line.count += 1
            line.earliest = entry.at
            if ev.url and len(line.links) < MAX_LINKS:
                line.links.append((ev.url, ev.link_text))
            continue
        links = [(ev.url, ev.link_text)] if ev.url else []
        line = Line(entry.at, entry.who, ev.text, ev.kind, entry.reason, links, 1, entry.at)
        by_key[key] = line
        lines.append(line)
    for line in lines:
        line.links.reverse()  # oldest first reads naturally: ADR-1, ADR-2, ...
    return lines


def event(entry) -> Event:
    """The sentence for one timeline entry; an unknown action still shows, as itself."""
    data = entry.data or {}
    found = (
        _case_event(entry.action, data)
        or _report_event(entry.action, entry.object_id, data)
        or _measure_event(entry.action, entry.object_id, data)
    )
    return found or Event(_("Recorded: %(action)s.") % {"action": entry.action})
