"""Seed the clause catalogue C-01…C-19 and criteria version 1 (POLICY.md's default set)."""

from django.db import migrations


def seed(apps, schema_editor):
    from policies.defaults import seed_defaults

    seed_defaults(
        apps.get_model("policies", "Clause"),
        apps.get_model("policies", "CriteriaSet"),
        apps.get_model("policies", "Rule"),
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
