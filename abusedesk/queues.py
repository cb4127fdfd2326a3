"""Celery queues by kind, so each kind of work scales with its own workers.

- intake: processing a stored report (parse, group, attribute, recommend) and the
  sweeps and housekeeping around the records;
- evidence: DNS lookups and sender authentication (slow, network-bound);
- mail: everything that sends or fetches mail (acknowledgements, forwards, replies,
  notices, the IMAP poll);
- execution: carrying out approved measures on other systems.

Queue names are `<CELERY_TASK_DEFAULT_QUEUE>.<kind>` ("abusedesk.evidence"), read
when a task is sent, so a second installation (or a test run) on the same Redis
gets its own queues by changing one variable. A worker takes kinds with `-Q`
(`celery -A abusedesk worker -Q abusedesk.evidence`). Every task of the project
has a kind here; tests/services/test_queues.py fails for one that has none.
"""

from __future__ import annotations

INTAKE, EVIDENCE, MAIL, EXECUTION = "intake", "evidence", "mail", "execution"
KINDS = (INTAKE, EVIDENCE, MAIL, EXECUTION)

TASK_KINDS = {
    "complaints.tasks.process_report": INTAKE,
    "complaints.tasks.process_reports": INTAKE,
    "complaints.tasks.drain_received": INTAKE,
    "complaints.tasks.attribute_report": INTAKE,
    "complaints.tasks.sweep_reports": INTAKE,
    "complaints.tasks.reattribute_changed": INTAKE,
    "complaints.tasks.purge_expired_content": INTAKE,
    "complaints.tasks.report_upkeep": INTAKE,
    "sanctions.tasks.refresh_recommendations": INTAKE,
    "sanctions.tasks.refresh_case_recommendation": INTAKE,
    "screening.tasks.expire_exchange_entries": INTAKE,
    # The volume limits read the mail log the import wrote: housekeeping around the records.
    "prevention.tasks.detect_mail_volume": INTAKE,
    "subscribers.tasks.traffic_log_upkeep": INTAKE,
    "dashboards.tasks.refresh_dashboard": INTAKE,
    "complaints.evidence.tasks.collect_evidence": EVIDENCE,
    "complaints.evidence.tasks.sweep_evidence": EVIDENCE,
    "complaints.tasks.authenticate_sender": EVIDENCE,
    "complaints.tasks.sweep_sender_authentication": EVIDENCE,
    "complaints.tasks.send_acknowledgement": MAIL,
    "complaints.tasks.send_forward": MAIL,
    "complaints.tasks.send_reply": MAIL,
    "complaints.tasks.poll_imap_mailbox": MAIL,
    "sanctions.tasks.send_notice": MAIL,
    "sanctions.tasks.run_execution": EXECUTION,
    # Opt-in filtering tells the provisioning side through the same executor as measures.
    "prevention.tasks.run_filtering_instruction": EXECUTION,
}


def queue_name(kind: str, *, app=None) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown queue kind {kind!r}; one of {', '.join(KINDS)}")
    if app is None:
        from abusedesk.celery import app
    return f"{app.conf.task_default_queue}.{kind}"


def all_queues(*, app=None) -> list[str]:
    return [queue_name(kind, app=app) for kind in KINDS]


def route(name, args, kwargs, options, task=None, **kw):
    """Celery router (settings.CELERY_TASK_ROUTES): the task's kind decides its queue.

    A task with no kind goes to the default queue, which no deployed worker
    consumes: the test of the routes keeps that from happening unnoticed."""
    kind = TASK_KINDS.get(name)
    if kind is None:
        return None
    return {"queue": queue_name(kind, app=task.app if task is not None else None)}
