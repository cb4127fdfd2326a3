"""Since when a block is assigned to its present holder, and since when an account
belongs to its subscriber: a spam from before that instant was someone else's. Existing
rows get no date (not known), and attribution treats them as it always did."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0008_session_account_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="subscriber_since",
            field=models.DateTimeField(
                blank=True,
                help_text="Since when the account belongs to this subscriber; blank: not known.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="addressblock",
            name="holder_since",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Since when the block is assigned to its present account or holder; blank: not known."
                ),
                null=True,
            ),
        ),
    ]
