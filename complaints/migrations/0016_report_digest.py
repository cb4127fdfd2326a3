"""The uniqueness of a report per reporter (digest, idempotency key) moves to a side
table, one row per report: what the partitioning of complaints_report (0017) needs,
since a partitioned table's unique constraints must hold the partition key. The rows
are copied from the reports before the constraints are created under their old names."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0015_case_fillfactor'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportDigest',
            fields=[
                ('report', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='digest', serialize=False, to='complaints.report')),
                ('reporter_key', models.CharField(max_length=320)),
                ('raw_sha256', models.CharField(max_length=64)),
                ('idempotency_key', models.CharField(blank=True, max_length=200)),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO complaints_reportdigest (report_id, reporter_key, raw_sha256, idempotency_key) "
            "SELECT id, reporter_key, raw_sha256, idempotency_key FROM complaints_report",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveConstraint(
            model_name='report',
            name='report_unique_idempotency_key',
        ),
        migrations.RemoveConstraint(
            model_name='report',
            name='report_unique_per_reporter',
        ),
        migrations.AddConstraint(
            model_name='reportdigest',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('reporter_key', 'idempotency_key'), name='report_unique_idempotency_key'),
        ),
        migrations.AddConstraint(
            model_name='reportdigest',
            constraint=models.UniqueConstraint(fields=('reporter_key', 'raw_sha256'), name='report_unique_per_reporter'),
        ),
    ]
