"""Writes: every edit of the criteria or a clause is a new version plus an audit entry.

Old versions are never touched: decisions cite them. Reads live in selectors.
"""

from __future__ import annotations

import copy
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, NotFound

from .choices import ACCOUNT_TARGETS, LEVEL_TARGETS, Target
from .models import RULE_DATA_FIELDS, Clause, CriteriaSet, Rule
from .selectors import clause_ids, rule_data
from .snapshot import VOLUME_FIELDS, RuleDataError, rule_spec

EDITABLE_RULE_FIELDS = frozenset(RULE_DATA_FIELDS) - {"key"}
EDITABLE_SET_FIELDS = frozenset(
    {"review_hours", "emergency_review_hours", "made_up_percent", "made_up_minimum", *VOLUME_FIELDS}
)
CLAUSE_FIELDS = ("isp_number", "title", "title_ja", "text", "effective_from")

# The largest value each number of the criteria may take. Review periods go to a year
# (a review date further away is no review), counts and rates to a million: beyond
# them a value is a typo, and it would overflow the database column or a date.
MAX_REVIEW_HOURS = 24 * 366
MAX_COUNT = 1_000_000
SETTING_MAXIMA = {
    "review_hours": MAX_REVIEW_HOURS,
    "emergency_review_hours": MAX_REVIEW_HOURS,
    "made_up_percent": 100,
    "made_up_minimum": MAX_COUNT,
    "volume_messages": MAX_COUNT,
    "volume_recipients": MAX_COUNT,
    "volume_domains": MAX_COUNT,
    "volume_unknown_percent": 100,
    "volume_unknown_minimum": MAX_COUNT,
    "volume_new_networks": MAX_COUNT,
    "volume_addresses": MAX_COUNT,
}
RULE_MAXIMA = {
    "reporters_n": 10_000,
    "window_days": 3650,
    "repeat_count": 1000,
    "repeat_window_months": 120,
}


def _required_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say why this changes.", fields={"note": ["This field is required."]})
    return note


def _lock_active() -> CriteriaSet:
    try:
        return CriteriaSet.objects.select_for_update().get(is_active=True)
    except CriteriaSet.DoesNotExist:
        # Another edit committed while we waited for the lock; its version is now active.
        raise Conflict("The criteria changed while you were editing. Reload and try again.") from None


def _apply_rule_changes(current: dict[str, dict], rules: dict[str, dict]) -> dict[str, dict]:
    updated = copy.deepcopy(current)
    for key, fields in rules.items():
        if key not in updated:
            raise NotFound(f"No rule {key}.")
        unknown = set(fields) - EDITABLE_RULE_FIELDS
        if unknown:
            raise ApplicationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
        updated[key].update(copy.deepcopy(fields))
    return updated


def _validate_rules(rules: dict[str, dict]) -> None:
    known = clause_ids()
    for key, data in rules.items():
        try:
            spec = rule_spec(data)
        except RuleDataError as exc:
            raise ApplicationError(f"Rule {key}: {exc}", fields={exc.field: [exc.message]}) from None
        for name, limit in RULE_MAXIMA.items():
            if getattr(spec, name) > limit:
                message = f"{name} is at most {limit}"
                raise ApplicationError(f"Rule {key}: {message}", fields={name: [message]})
        for n, step in enumerate(spec.ladder):
            if step.review_hours is not None and step.review_hours > MAX_REVIEW_HOURS:
                message = f"ladder[{n}].review_hours is at most {MAX_REVIEW_HOURS}"
                raise ApplicationError(f"Rule {key}: {message}", fields={"ladder": [message]})
            _check_level_targets(key, n, step, spec.target)
        cited = set(spec.clauses).union(*(step.clauses for step in spec.ladder))
        unknown = sorted(cited - known)
        if unknown:
            message = f"unknown clause(s) {', '.join(unknown)}"
            raise ApplicationError(f"Rule {key}: {message}", fields={"clauses": [message]})


def _check_level_targets(key: str, n: int, step, rule_target: str) -> None:
    """A step whose level (or a measure taken with it) acts on another kind of account
    than the step's target: every case the step matched would be recommended a measure
    no one may propose (sanctions.checks refuses it)."""
    target = step.target or rule_target
    if target not in ACCOUNT_TARGETS:
        return
    for level in (step.level, *step.also):
        allowed = LEVEL_TARGETS.get(level)
        if allowed is None or target in allowed:
            continue
        message = _(
            "Step %(n)d: %(level)s acts on %(allowed)s only, and the step's target is %(target)s. "
            "Choose another level, or give the step a target of that kind."
        ) % {
            "n": n + 1,
            "level": level,
            "allowed": " / ".join(str(Target(t).label) for t in allowed),
            "target": Target(target).label,
        }
        raise ApplicationError(_("Rule %(key)s: %(message)s") % {"key": key, "message": message},
                               fields={"ladder": [message]})  # fmt: skip


def _validate_settings(values: dict) -> dict:
    unknown = set(values) - EDITABLE_SET_FIELDS
    if unknown:
        raise ApplicationError(f"These settings cannot be edited: {', '.join(sorted(unknown))}.")
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ApplicationError(
                f"{name} must be a whole number of at least 1.", fields={name: ["invalid"]}
            )
    for name in ("made_up_percent", "volume_unknown_percent"):
        if values.get(name, 1) > 100:
            raise ApplicationError(f"{name} is a percentage: 1 to 100.", fields={name: ["invalid"]})
    for name, value in values.items():
        if value > SETTING_MAXIMA[name]:
            raise ApplicationError(f"{name} is at most {SETTING_MAXIMA[name]}.", fields={name: ["invalid"]})
    return values


def _diff(old: dict, new: dict) -> dict:
    return {name: [old.get(name), value] for name, value in new.items() if old.get(name) != value}


@transaction.atomic
def criteria_edit(
    *,
    user,
    note: str,
    rules: dict[str, dict] | None = None,
    settings: dict | None = None,
    base_version: int | None = None,
) -> CriteriaSet:
    """Write version n+1 = the active version with `rules` ({key: {field: value}}) and
    `settings` applied, make it the active one, and audit it.

    `base_version` is the version the editor saw; if another edit won meanwhile the
    call raises Conflict instead of silently overwriting that edit.
    """
    note = _required_note(note)
    current = _lock_active()
    if base_version is not None and base_version != current.version:
        raise Conflict(f"Version {current.version} is active now, not {base_version}. Reload and try again.")
    old_rules = {r.key: rule_data(r) for r in current.rules.all()}
    new_rules = _apply_rule_changes(old_rules, rules or {})
    _validate_rules(new_rules)
    old_settings = {name: getattr(current, name) for name in EDITABLE_SET_FIELDS}
    new_settings = {**old_settings, **_validate_settings(settings or {})}
    changes = {key: d for key in new_rules if (d := _diff(old_rules[key], new_rules[key]))}
    setting_changes = _diff(old_settings, new_settings)
    if not changes and not setting_changes:
        raise ApplicationError("Nothing changed.")

    # The partial unique constraint allows one active set: deactivate first.
    CriteriaSet.objects.filter(pk=current.pk).update(is_active=False)
    latest = CriteriaSet.objects.order_by("-version").values_list("version", flat=True).first()
    created = CriteriaSet.objects.create(
        version=latest + 1, is_active=True, created_by=user, note=note, **new_settings
    )
    Rule.objects.bulk_create(Rule(criteria_set=created, **data) for data in new_rules.values())
    audit_record(
        actor=user,
        action="policy.edited",
        obj=created,
        reason=note,
        data={
            "kind": "criteria",
            "from_version": current.version,
            "to_version": created.version,
            "rules": changes,
            "settings": setting_changes,
        },
    )
    return created


@transaction.atomic
def clause_edit(
    *,
    user,
    catalogue_id: str,
    note: str,
    isp_number: str | None = None,
    title: str | None = None,
    title_ja: str | None = None,
    text: str | None = None,
    effective_from: datetime.date | None = None,
) -> Clause:
    """Write the next version of one clause; arguments left None keep their value.

    The new version is in force from `effective_from` (default: today).
    """
    note = _required_note(note)
    latest = Clause.objects.select_for_update().filter(catalogue_id=catalogue_id).order_by("-version").first()
    if latest is None:
        raise NotFound(f"No clause {catalogue_id}.")
    given = {"isp_number": isp_number, "title": title, "title_ja": title_ja, "text": text}
    values = {
        name: getattr(latest, name) if value is None else value.strip() for name, value in given.items()
    }
    if not values["title"]:
        raise ApplicationError("A clause needs a title.", fields={"title": ["This field is required."]})
    values["effective_from"] = effective_from or timezone.localdate()
    old = {name: getattr(latest, name) for name in CLAUSE_FIELDS}
    changes = _diff(old, values)
    if not set(changes) - {"effective_from"}:
        raise ApplicationError("Nothing changed.")
    created = Clause.objects.create(
        catalogue_id=catalogue_id, version=latest.version + 1, created_by=user, note=note, **values
    )
    audit_record(
        actor=user,
        action="policy.edited",
        obj=created,
        reason=note,
        data={
            "kind": "clause",
            "catalogue_id": catalogue_id,
            "from_version": latest.version,
            "to_version": created.version,
            "changes": changes,
        },
    )
    return created
