"""A job names the job queue entry that started it with a foreign key, instead of the entry
keeping a JSON list of job ids (``last_job_ids``): the database now knows the link."""

import django.db.models.deletion
from django.db import migrations, models


def link_jobs(apps, schema_editor):
    entries = apps.get_model('synchronization', 'JobQueueEntry')
    jobs = apps.get_model('synchronization', 'SyncJob')
    for entry in entries.objects.exclude(last_job_ids=[]).only('pk', 'last_job_ids'):
        jobs.objects.filter(pk__in=entry.last_job_ids).update(queue_entry=entry)


def list_jobs(apps, schema_editor):
    entries = apps.get_model('synchronization', 'JobQueueEntry')
    for entry in entries.objects.exclude(last_run_at=None):
        last_run = entry.jobs.filter(created_at__gte=entry.last_run_at).order_by('pk')
        entry.last_job_ids = list(last_run.values_list('pk', flat=True))
        entry.save(update_fields=['last_job_ids'])


class Migration(migrations.Migration):

    dependencies = [
        ('synchronization', '0010_job_queue_entry'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncjob',
            name='queue_entry',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='jobs', to='synchronization.jobqueueentry'),
        ),
        migrations.RunPython(link_jobs, list_jobs),
        migrations.RemoveField(
            model_name='jobqueueentry',
            name='last_job_ids',
        ),
    ]
