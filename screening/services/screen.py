"""Screening an applicant at sign-up: advice, never a refusal.

The applicant's identifiers are normalised, compared with our own standing
intentional L7 terminations and with the entries other ISPs sent, and
forgotten: the ScreeningQuery and its audit entry keep the purpose, which
identifier kinds were given, the verdict and the references — never the values.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.choices import TokenScope
from abusedesk.errors import ApplicationError, PermissionDenied
from abusedesk.models import ApiToken

from ..choices import EntryState, TerminationState, Verdict
from ..conf import hash_keys, setting
from ..hashing import keyed_digest
from ..matching import RANK, verdict
from ..models import ReceivedDigest, ReceivedEntry, ScreeningQuery, Termination, TerminationKey
from ..normalise import KEYERS, identifier_keys

MAX_HITS = 20
OWN = "own"
EXCHANGE = "exchange"


@dataclass
class Candidate:
    source: str
    pk: int
    matched: set[str]


def may_screen(user) -> bool:
    """Desk staff, or the API client of the ISP's sign-up system (a screening key)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_perm("abusedesk.work_desk"):
        return True
    return ApiToken.objects.active().filter(user=user, scope=TokenScope.SCREENING).exists()


def screening_run(
    *, identifiers: dict[str, str], purpose: str, actor, channel: str, application_ref: str = ""
) -> ScreeningQuery:
    if not may_screen(actor):
        raise PermissionDenied(_("Only desk staff and the sign-up system may run a screening."))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(
            _("Say why you screen this applicant: a purpose is required."),
            fields={"purpose": [_("This field is required.")]},
        )
    keys, errors = identifier_keys(identifiers)
    if errors:
        raise ApplicationError(
            # The normalisers' messages are marked for translation (gettext_noop) where they are raised.
            _("Some identifiers cannot be read."),
            fields={kind: [_(msg)] for kind, msg in errors.items()},
        )
    if not keys:
        raise ApplicationError(_("Give at least one identifier of the applicant."), code="no_identifiers")
    hits = _hits(_own_candidates(keys) + _exchange_candidates(keys))
    overall = max((hit["verdict"] for hit in hits), key=RANK.__getitem__, default=Verdict.NO_MATCH)
    given = sorted(kind for kind in KEYERS if (identifiers.get(kind) or "").strip())
    with transaction.atomic():
        query = ScreeningQuery.objects.create(
            requested_by=actor,
            requester_name=actor.get_username(),
            channel=channel,
            purpose=purpose,
            application_ref=(application_ref or "").strip()[:64],
            identifier_kinds=given,
            verdict=overall,
            hits=hits,
        )
        audit_record(
            actor=actor,
            action="screening.query",
            obj=query,
            reason=purpose,
            data={
                "channel": channel,
                "application_ref": query.application_ref,
                "identifiers_given": given,
                "verdict": overall,
                "hits": [{"source": h["source"], "reference": h["reference"]} for h in hits],
            },
        )
    return query


def _own_candidates(keys: dict[str, str]) -> list[Candidate]:
    condition = Q()
    for kind, value in keys.items():
        condition |= Q(kind=kind, value=value)
    matched: dict[int, set[str]] = defaultdict(set)
    rows = TerminationKey.objects.filter(condition, termination__state=TerminationState.ACTIVE)
    for termination_id, kind in rows.values_list("termination_id", "kind"):
        matched[termination_id].add(kind)
    return [Candidate(OWN, pk, kinds) for pk, kinds in matched.items()]


def _exchange_candidates(keys: dict[str, str]) -> list[Candidate]:
    wanted: dict[str, tuple[str, str]] = {}
    for hash_key in hash_keys():
        for kind, value in keys.items():
            wanted[keyed_digest(hash_key.secret, kind, value)] = (hash_key.key_id, kind)
    if not wanted:
        return []
    matched: dict[int, set[str]] = defaultdict(set)
    rows = ReceivedDigest.objects.filter(
        digest__in=list(wanted),
        entry__state=EntryState.ACTIVE,
        entry__expires_at__gt=timezone.now(),
        entry__participant__active=True,  # a participant taken out of the exchange no longer counts
    ).values_list("entry_id", "kind", "digest", "entry__key_id")
    for entry_id, kind, digest, key_id in rows:
        if wanted[digest] == (key_id, kind):
            matched[entry_id].add(kind)
    return [Candidate(EXCHANGE, pk, kinds) for pk, kinds in matched.items()]


def _hits(candidates: list[Candidate]) -> list[dict]:
    """The candidates that amount to a match or a possible match, best first, as references only."""
    judged = []
    for candidate in candidates:
        result, found = verdict(candidate.matched)
        if result != Verdict.NO_MATCH:
            judged.append((candidate, result, found))
    judged.sort(key=lambda item: (-RANK[item[1]], item[0].source, item[0].pk))
    judged = judged[:MAX_HITS]
    own = Termination.objects.in_bulk([c.pk for c, _r, _f in judged if c.source == OWN])
    received = ReceivedEntry.objects.select_related("participant").in_bulk(
        [c.pk for c, _r, _f in judged if c.source == EXCHANGE]
    )
    hits = []
    for candidate, result, found in judged:
        if candidate.source == OWN:
            termination = own[candidate.pk]
            isp, reference = setting("ABUSEDESK_EXCHANGE_ISP_ID") or "", termination.sanction_reference
            case = termination.case_id
        else:
            entry = received[candidate.pk]
            isp, reference, case = entry.participant.isp_id, entry.reference, None
        hits.append(
            {
                "source": candidate.source,
                "isp": isp,
                "reference": reference,
                "case": case,
                "verdict": str(result),
                "matched": dict(sorted(found.items())),
            }
        )
    return hits
