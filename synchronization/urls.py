from django.urls import path

from synchronization import (
    views,
    views_coupled,
    views_errors,
    views_fullsync,
    views_jobs,
    views_start,
)

app_name = "synchronization"
urlpatterns = [
    path("jobs/", views_jobs.job_list, name="jobs"),
    path("jobs/check-worker/", views.check_worker, name="check_worker"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views_jobs.job_partial, name="job_partial"),
    path("jobs/<int:pk>/cancel/", views_jobs.job_cancel, name="job_cancel"),
    path("start/", views_start.sync_mapping, name="sync_mapping"),
    path("errors/", views_errors.error_list, name="errors"),
    path("errors/delete/", views_errors.error_delete, name="error_delete"),
    path("errors/remove-coupling/", views_errors.error_remove_coupling,
         name="error_remove_coupling"),
    path("coupled-errors/", views_coupled.coupled_error_list, name="coupled_errors"),
    path("coupled-errors/action/", views_coupled.coupled_action, name="coupled_action"),
    path("full-sync/", views_fullsync.full_sync_review, name="full_sync"),
    path("full-sync/lines/", views_fullsync.full_sync_lines, name="full_sync_lines"),
    path("full-sync/start/", views_fullsync.full_sync_start, name="full_sync_start"),
    path("full-sync/restart/", views_fullsync.full_sync_restart, name="full_sync_restart"),
    path("full-sync/cancel/", views_fullsync.full_sync_cancel, name="full_sync_cancel"),
    path("full-sync/only-coupled/", views_fullsync.full_sync_only_coupled,
         name="full_sync_only_coupled"),
    path("full-sync/status.json", views_fullsync.full_sync_status, name="full_sync_status"),
]
