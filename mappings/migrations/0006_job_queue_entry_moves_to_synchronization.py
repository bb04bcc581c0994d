"""Job Queue Entries move to the synchronization app (its migration 0010 takes them over).

State only: the table ``mappings_jobqueueentry`` and its rows stay where they are, and the
synchronization app's model keeps that table name.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('mappings', '0005_job_queue_entry_wake_reason'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='JobQueueEntry')],
            database_operations=[],
        ),
    ]
