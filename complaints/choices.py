from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    API = "api", _("Partner API")
    WEB = "web", _("Web form")
    MAILBOX = "mailbox", _("Mailbox import")
    IMAP = "imap", _("IMAP abuse mailbox")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # stored, not parsed yet
    PARSED = "parsed", _("Parsed")
    MANUAL_TRIAGE = "manual_triage", _("Needs manual triage")
    CLOSED = "closed", _("Closed")


class ReportFormat(models.TextChoices):
    ARF = "arf", "ARF"
    DMARC_FORENSIC = "dmarc-forensic", _("DMARC failure report")
    XARF_MAIL = "xarf-0.2", "X-ARF"
    XARF4_JSON = "xarf-4-json", "XARF v4 JSON"
    XARF3_JSON = "xarf-3-json", "XARF v3 JSON"
    SPAMCOP = "spamcop", "SpamCop"
    JMRP = "jmrp", "JMRP"
    ACNS = "acns", _("Copyright notice (ACNS)")
    RAW_SPAM = "raw-spam", _("Forwarded spam")
    PLAIN_FORM = "form", _("Short form")
    UNKNOWN = "unknown", _("Unknown")


class ReportCategory(models.TextChoices):
    """What a report is about (Report.category, a code the parsers and the short form
    store; the field itself has no choices, so a code from a newer parser still shows)."""

    SPAM = "spam", _("Spam")
    PHISHING = "phishing", _("Phishing")
    MALWARE = "malware", _("Malware")
    SPAMVERTISED = "spamvertised", _("Site advertised by spam")
    LOGIN_ATTACK = "login-attack", _("Login attack")
    OTHER = "other", _("Other")
    COPYRIGHT = "copyright", _("Copyright notice")
    OPT_OUT = "opt-out", _("Opt-out request")
    AUTH_FAILURE = "auth-failure", _("Authentication failure report")
    NOT_SPAM = "not-spam", _("Not spam")


class CaseKind(models.TextChoices):
    SESSION = "session", _("Address in one session")
    ADDRESS = "address", _("Address")
    LOGIN = "login", _("Mail login")
    HOST = "host", _("Spamvertised host")
    REPORT = "report", _("Single report")


class CaseSource(models.TextChoices):
    """What opened the case: complaints, or our own telemetry (prevention.volume)."""

    REPORTS = "reports", _("Reports")
    OWN_TELEMETRY = "own_telemetry", _("Own telemetry")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseResolution(models.TextChoices):
    """Why a case was closed."""

    NOT_OURS = "not_ours", _("Not ours, forwarded")
    DUPLICATE = "duplicate", _("Duplicate")
    JOE_JOB = "joe_job", _("Joe job (forged headers point at us)")
    NO_ACTION = "no_action", _("No action needed")


class ConfirmationKind(models.TextChoices):
    """Facts a person establishes outside the reports, recorded on a case."""

    COMPROMISE = "compromise", _("The customer confirmed the machine was compromised")
    STATED_ORIGIN = "stated_origin", _("Staff confirmed the origin the complainant stated")
    # Recorded and shown, never a conclusion: sender authentication decides whether the
    # customer's domain was forged (a joe job) or the customer sent it after all.
    DENIAL = "denial", _("The customer denies having sent it")
