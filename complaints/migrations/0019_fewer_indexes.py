"""Indexes that cost every write and serve no query go (abusedesk.schema_indexes says
how). A report is inserted and then updated several times as it is parsed, grouped and
attributed, and each update that touches an indexed column writes into every index:
the report table goes from sixteen indexes to eight.

- report.raw_sha256: digests are looked up in ReportDigest, which holds the uniqueness;
- report.attribution_inputs: the recovery sweep asks for "not this version";
- report.case, report.partner, hop.report, evidence.report, evidence.subject: a
  composite index leads with the column;
- the LIKE companions of columns only ever matched exactly (report reporter and
  Message-ID, URL host, the case's method and levels): the plain indexes stay, named.
"""

import django.db.models.deletion
from django.db import migrations, models

from abusedesk.schema_indexes import single_column_indexes

# (table, column, the plain index kept under this name or None)
CHANGES = [
    ("complaints_report", "raw_sha256", None),
    ("complaints_report", "attribution_inputs", None),
    ("complaints_report", "case_id", None),
    ("complaints_report", "partner_id", None),
    ("complaints_report", "reporter", "report_reporter_idx"),
    ("complaints_report", "message_id", "report_message_id_idx"),
    ("complaints_hop", "report_id", None),
    ("complaints_evidence", "report_id", None),
    ("complaints_evidence", "subject", None),
    ("complaints_reporturl", "host", "reporturl_host_idx"),
    ("complaints_case", "sending_method", "case_sending_method_idx"),
    ("complaints_case", "evidence_level", "case_evidence_level_idx"),
    ("complaints_case", "recommended_level", "case_recommended_level_idx"),
]


def forwards(apps, schema_editor):
    for table, column, keep_as in CHANGES:
        single_column_indexes(schema_editor, table, column, keep_as=keep_as)
    if schema_editor.connection.vendor == "postgresql":
        from subscribers.partitions import is_partitioned, name_indexes

        if is_partitioned("complaints_report"):
            name_indexes("complaints_report")


def field(name, model, definition):
    return migrations.AlterField(model_name=model, name=name, field=definition)


def index(model, column, name):
    return migrations.AddIndex(model_name=model, index=models.Index(fields=[column], name=name))


CASCADE, PROTECT, SET_NULL = (
    django.db.models.deletion.CASCADE,
    django.db.models.deletion.PROTECT,
    django.db.models.deletion.SET_NULL,
)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0018_report_format_acns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)],
            state_operations=[
                field("raw_sha256", "report", models.CharField(max_length=64)),
                field(
                    "attribution_inputs",
                    "report",
                    models.CharField(
                        blank=True, help_text="Version of the inventory and logs it was computed on", max_length=64
                    ),
                ),
                field(
                    "case",
                    "report",
                    models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=SET_NULL, related_name="reports",
                        to="complaints.case",
                    ),
                ),
                field(
                    "partner",
                    "report",
                    models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=PROTECT, related_name="reports",
                        to="complaints.partner",
                    ),
                ),
                field("reporter", "report", models.CharField(blank=True, max_length=320)),
                field("message_id", "report", models.CharField(blank=True, max_length=998)),
                index("report", "reporter", "report_reporter_idx"),
                index("report", "message_id", "report_message_id_idx"),
                field(
                    "report",
                    "hop",
                    models.ForeignKey(
                        db_index=False, on_delete=CASCADE, related_name="hops", to="complaints.report"
                    ),
                ),
                field(
                    "report",
                    "evidence",
                    models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=CASCADE, related_name="evidence",
                        to="complaints.report",
                    ),
                ),
                field(
                    "subject",
                    "evidence",
                    models.CharField(help_text="The address or host looked into", max_length=255),
                ),
                field("host", "reporturl", models.CharField(blank=True, max_length=255)),
                index("reporturl", "host", "reporturl_host_idx"),
                field(
                    "sending_method",
                    "case",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("contracted_isp_server", "Our submission server"),
                            ("self_operated_server", "Customer's own mail server"),
                            ("hijacked_host", "Hijacked host"),
                            ("other_isp_server", "Another ISP's server"),
                        ],
                        max_length=32,
                    ),
                ),
                field("evidence_level", "case", models.CharField(blank=True, max_length=2)),
                field("recommended_level", "case", models.CharField(blank=True, max_length=2)),
                index("case", "sending_method", "case_sending_method_idx"),
                index("case", "evidence_level", "case_evidence_level_idx"),
                index("case", "recommended_level", "case_recommended_level_idx"),
            ],
        )
    ]
