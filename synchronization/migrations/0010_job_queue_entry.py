"""Job Queue Entries join the jobs (they were the mappings app's, migration 0006 there).

State only: the model keeps the table ``mappings_jobqueueentry``, so no row moves and no table
is rebuilt. The content type follows the model, so permissions granted on it stay granted.
"""

import django.db.models.deletion
from django.db import migrations, models


def content_type_to(app_label: str):
    def move(apps, schema_editor):
        content_type = apps.get_model('contenttypes', 'ContentType')
        old = 'synchronization' if app_label == 'mappings' else 'mappings'
        if not content_type.objects.filter(app_label=app_label, model='jobqueueentry').exists():
            content_type.objects.filter(app_label=old, model='jobqueueentry').update(
                app_label=app_label)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ('connection', '0006_sales_concurrency_follows_the_service'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('mappings', '0006_job_queue_entry_moves_to_synchronization'),
        ('synchronization', '0009_full_sync_run_finished_with_errors'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='JobQueueEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('mapping', 'Integration table mapping'), ('customer_statistics', 'Customer Statistics'), ('sales_order_status', 'Sales Order Status'), ('sales_order_notes', 'Sales Order Notes'), ('create_sales_orders', 'Automatically Create Sales Orders'), ('process_sales_quotes', 'Automatically Process Sales Quotes')], default='mapping', max_length=30)),
                        ('description', models.CharField(blank=True, max_length=250, verbose_name='Description')),
                        ('no_of_minutes_between_runs', models.PositiveIntegerField(default=30, verbose_name='No. of Minutes between Runs')),
                        ('inactivity_timeout_period', models.PositiveIntegerField(default=720, help_text='Minutes of sleep after an idle run.', verbose_name='Inactivity Timeout Period')),
                        ('maximum_no_of_attempts_to_run', models.PositiveIntegerField(default=10, verbose_name='Maximum No. of Attempts to Run')),
                        ('rerun_delay_sec', models.PositiveIntegerField(default=30, verbose_name='Rerun Delay (sec.)')),
                        ('enabled', models.BooleanField(default=True, verbose_name='Enabled')),
                        ('next_run_at', models.DateTimeField(blank=True, null=True, verbose_name='Earliest Start Date/Time')),
                        ('status', models.CharField(choices=[('ready', 'Ready'), ('in_process', 'In Process'), ('on_hold', 'On Hold'), ('on_hold_inactivity', 'On Hold Due to Inactivity'), ('error', 'Error')], default='ready', max_length=20, verbose_name='Status')),
                        ('inactive_since', models.DateTimeField(blank=True, null=True)),
                        ('last_run_at', models.DateTimeField(blank=True, null=True, verbose_name='Last run')),
                        ('last_job_ids', models.JSONField(blank=True, default=list)),
                        ('woken_reason', models.CharField(blank=True, max_length=200, verbose_name='Wake-up reason')),
                        ('woken_at', models.DateTimeField(blank=True, null=True, verbose_name='Woken at')),
                        ('connection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='job_queue_entries', to='connection.connectionsetup')),
                        ('mapping', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='job_queue_entry', to='mappings.integrationtablemapping')),
                    ],
                    options={
                        'verbose_name': 'Job Queue Entry',
                        'verbose_name_plural': 'Job Queue Entries',
                        'db_table': 'mappings_jobqueueentry',
                        'ordering': ['connection', 'kind', 'mapping__position'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'mapping'), _negated=True), fields=('connection', 'kind'), name='one_connection_job_per_kind')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to('synchronization'), content_type_to('mappings')),
    ]
