from django.urls import path, re_path

from synchronization.views import (
    coupled,
    errors,
    fullsync,
    jobs,
    leadtocash,
    queue,
    reconcile,
    start,
    worker,
)

app_name = "synchronization"
urlpatterns = [
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/check-worker/", worker.check_worker, name="check_worker"),
    path("jobs/<id:pk>/", jobs.job_detail, name="job"),
    path("jobs/<id:pk>/progress/", jobs.job_partial, name="job_partial"),
    path("jobs/<id:pk>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("job-queue/", queue.entry_list, name="queue"),
    path("job-queue/<id:pk>/", queue.entry_card, name="queue_entry"),
    path("job-queue/<id:pk>/action/", queue.entry_action, name="queue_action"),
    path("job-queue/<id:pk>/recurrence/", queue.entry_recurrence,
         name="queue_recurrence"),
    path("start/", start.sync_mapping, name="sync_mapping"),
    path("match/", start.match_coupling, name="match_coupling"),
    path("errors/", errors.error_list, name="errors"),
    path("errors/delete/", errors.error_delete, name="error_delete"),
    path("errors/remove-coupling/", errors.error_remove_coupling,
         name="error_remove_coupling"),
    path("errors/retry/", errors.error_retry, name="error_retry"),
    path("coupled-errors/", coupled.coupled_error_list, name="coupled_errors"),
    path("coupled-errors/action/", coupled.coupled_action, name="coupled_action"),
    path("full-sync/", fullsync.full_sync_review, name="full_sync"),
    path("full-sync/lines/", fullsync.full_sync_lines, name="full_sync_lines"),
    path("full-sync/start/", fullsync.full_sync_start, name="full_sync_start"),
    path("full-sync/count/", fullsync.full_sync_count, name="full_sync_count"),
    path("full-sync/restart/", fullsync.full_sync_restart, name="full_sync_restart"),
    path("full-sync/cancel/", fullsync.full_sync_cancel, name="full_sync_cancel"),
    path("full-sync/only-coupled/", fullsync.full_sync_only_coupled,
         name="full_sync_only_coupled"),
    path("full-sync/status.json", fullsync.full_sync_status, name="full_sync_status"),
    path("reconcile/", reconcile.overview, name="reconcile"),
    path("reconcile/check/", reconcile.check_now, name="reconcile_check"),
    path("reconcile/<id:pk>/", reconcile.mapping_page, name="reconcile_mapping"),
    path("reconcile/<id:pk>/repair/", reconcile.repair, name="reconcile_repair"),
]

# Lead to cash (sales order integration, item availability).
urlpatterns += [
    path("sales-receivables-setup/", leadtocash.sales_receivables_setup,
         name="sales_receivables_setup"),
    path("sales-orders/", leadtocash.sales_orders, name="sales_orders"),
    path("sales-orders/create/", leadtocash.sales_order_create, name="sales_order_create"),
    path("item-availability/", leadtocash.item_availability, name="item_availability"),
    path("item-availability/use-endpoint/", leadtocash.use_availability_endpoint,
         name="use_availability_endpoint"),
    # The OData service Sales is given: its root (service document, with or without the slash
    # OData clients add), $metadata, the entity set for the connection's company, and per company.
    path("availability/<id:pk>/ODataV4", leadtocash.odata_root, name="odata_root"),
    path("availability/<id:pk>/ODataV4/", leadtocash.odata_root, name="odata_root_slash"),
    path("availability/<id:pk>/ODataV4/$metadata", leadtocash.odata_metadata,
         name="odata_metadata"),
    path("availability/<id:pk>/ODataV4/ItemAvailability", leadtocash.odata_item_availability,
         name="odata_default_company_availability"),
    re_path(r"^availability/(?P<pk>\d+)/ODataV4/Company\('(?P<company>[^']{1,100})'\)"
            r"/ItemAvailability$", leadtocash.odata_item_availability,
            name="odata_item_availability"),
]
