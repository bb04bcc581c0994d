from django.urls import path

from connection import action_views, sales_order_views, views, wizard_views

app_name = "connection"
urlpatterns = [
    path("", views.setup, name="setup"),
    path("all/", views.connection_list, name="list"),
    path("new/", views.new, name="new"),
    path("switch/", views.switch, name="switch"),
    path("<id:pk>/", views.card, name="card"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/changes/", views.changes, name="changes"),
    path("<id:pk>/test/", action_views.test, name="test"),
    path("<id:pk>/redeploy/", action_views.redeploy, name="redeploy"),
    path("<id:pk>/reset-web-client-url/", action_views.reset_web_client_url,
         name="reset_web_client_url"),
    path("<id:pk>/couple-salespersons/", action_views.couple_salespersons,
         name="couple_salespersons"),
    path("<id:pk>/sales-order-integration/", sales_order_views.sales_order_integration,
         name="sales_order_integration"),
    path("<id:pk>/default-setup/", action_views.default_setup, name="default_setup"),
    path("<id:pk>/sync-modified/", action_views.sync_modified, name="sync_modified"),
    path("<id:pk>/full-sync/", action_views.full_sync, name="full_sync"),
    path("<id:pk>/disconnect/", action_views.disconnect, name="disconnect"),
    path("assisted-setup/", wizard_views.start, name="wizard"),
    path("assisted-setup/<id:pk>/", wizard_views.resume, name="wizard_resume"),
    path("assisted-setup/<id:pk>/step/<id:step>/", wizard_views.step, name="wizard_step"),
]
