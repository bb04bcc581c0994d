from django.urls import path

from synchronization import (
    views,
    views_coupled,
    views_errors,
    views_fullsync,
    views_jobs,
    views_queue,
    views_reconcile,
    views_start,
)

app_name = "synchronization"
urlpatterns = [
    path("jobs/", views_jobs.job_list, name="jobs"),
    path("jobs/check-worker/", views.check_worker, name="check_worker"),
    path("jobs/<id:pk>/", views_jobs.job_detail, name="job"),
    path("jobs/<id:pk>/progress/", views_jobs.job_partial, name="job_partial"),
    path("jobs/<id:pk>/cancel/", views_jobs.job_cancel, name="job_cancel"),
    path("job-queue/", views_queue.entry_list, name="queue"),
    path("job-queue/<id:pk>/", views_queue.entry_card, name="queue_entry"),
    path("job-queue/<id:pk>/action/", views_queue.entry_action, name="queue_action"),
    path("job-queue/<id:pk>/recurrence/", views_queue.entry_recurrence,
         name="queue_recurrence"),
    path("start/", views_start.sync_mapping, name="sync_mapping"),
    path("match/", views_start.match_coupling, name="match_coupling"),
    path("errors/", views_errors.error_list, name="errors"),
    path("errors/delete/", views_errors.error_delete, name="error_delete"),
    path("errors/remove-coupling/", views_errors.error_remove_coupling,
         name="error_remove_coupling"),
    path("errors/retry/", views_errors.error_retry, name="error_retry"),
    path("coupled-errors/", views_coupled.coupled_error_list, name="coupled_errors"),
    path("coupled-errors/action/", views_coupled.coupled_action, name="coupled_action"),
    path("full-sync/", views_fullsync.full_sync_review, name="full_sync"),
    path("full-sync/lines/", views_fullsync.full_sync_lines, name="full_sync_lines"),
    path("full-sync/start/", views_fullsync.full_sync_start, name="full_sync_start"),
    path("full-sync/count/", views_fullsync.full_sync_count, name="full_sync_count"),
    path("full-sync/restart/", views_fullsync.full_sync_restart, name="full_sync_restart"),
    path("full-sync/cancel/", views_fullsync.full_sync_cancel, name="full_sync_cancel"),
    path("full-sync/only-coupled/", views_fullsync.full_sync_only_coupled,
         name="full_sync_only_coupled"),
    path("full-sync/status.json", views_fullsync.full_sync_status, name="full_sync_status"),
    path("reconcile/", views_reconcile.overview, name="reconcile"),
    path("reconcile/check/", views_reconcile.check_now, name="reconcile_check"),
    path("reconcile/<id:pk>/", views_reconcile.mapping_page, name="reconcile_mapping"),
    path("reconcile/<id:pk>/repair/", views_reconcile.repair, name="reconcile_repair"),
]

# Lead to cash (sales order integration, item availability).
from django.urls import re_path  # noqa: E402

from synchronization import views_leadtocash  # noqa: E402

urlpatterns += [
    path("sales-receivables-setup/", views_leadtocash.sales_receivables_setup,
         name="sales_receivables_setup"),
    path("sales-orders/", views_leadtocash.sales_orders, name="sales_orders"),
    path("sales-orders/create/", views_leadtocash.sales_order_create, name="sales_order_create"),
    path("item-availability/", views_leadtocash.item_availability, name="item_availability"),
    path("item-availability/use-endpoint/", views_leadtocash.use_availability_endpoint,
         name="use_availability_endpoint"),
    # The OData service Sales is given: its root (service document, with or without the slash
    # OData clients add), $metadata, the entity set for the connection's company, and per company.
    path("availability/<id:pk>/ODataV4", views_leadtocash.odata_root, name="odata_root"),
    path("availability/<id:pk>/ODataV4/", views_leadtocash.odata_root, name="odata_root_slash"),
    path("availability/<id:pk>/ODataV4/$metadata", views_leadtocash.odata_metadata,
         name="odata_metadata"),
    path("availability/<id:pk>/ODataV4/ItemAvailability", views_leadtocash.odata_item_availability,
         name="odata_default_company_availability"),
    re_path(r"^availability/(?P<pk>\d+)/ODataV4/Company\('(?P<company>[^']{1,100})'\)"
            r"/ItemAvailability$", views_leadtocash.odata_item_availability,
            name="odata_item_availability"),
]
