from django.urls import path

from connection.views import actions, connections, identities, sales_orders, wizard

app_name = "connection"
urlpatterns = [
    path("", connections.setup, name="setup"),
    path("all/", connections.connection_list, name="list"),
    path("new/", connections.new, name="new"),
    path("switch/", connections.switch, name="switch"),
    path("<id:pk>/", connections.card, name="card"),
    path("<id:pk>/delete/", connections.delete, name="delete"),
    path("<id:pk>/changes/", connections.changes, name="changes"),
    path("<id:pk>/identities/", identities.add, name="identity_add"),
    path("<id:pk>/identities/<id:identity_pk>/toggle/", identities.toggle,
         name="identity_toggle"),
    path("<id:pk>/identities/<id:identity_pk>/remove/", identities.remove,
         name="identity_remove"),
    path("<id:pk>/identities/<id:identity_pk>/edit/", identities.edit, name="identity_edit"),
    path("<id:pk>/identities/<id:identity_pk>/test/", identities.test, name="identity_test"),
    path("<id:pk>/test/", actions.test, name="test"),
    path("<id:pk>/redeploy/", actions.redeploy, name="redeploy"),
    path("<id:pk>/reset-web-client-url/", actions.reset_web_client_url,
         name="reset_web_client_url"),
    path("<id:pk>/couple-salespersons/", actions.couple_salespersons,
         name="couple_salespersons"),
    path("<id:pk>/sales-order-integration/", sales_orders.sales_order_integration,
         name="sales_order_integration"),
    path("<id:pk>/default-setup/", actions.default_setup, name="default_setup"),
    path("<id:pk>/sync-modified/", actions.sync_modified, name="sync_modified"),
    path("<id:pk>/full-sync/", actions.full_sync, name="full_sync"),
    path("<id:pk>/disconnect/", actions.disconnect, name="disconnect"),
    path("assisted-setup/", wizard.start, name="wizard"),
    path("assisted-setup/<id:pk>/", wizard.resume, name="wizard_resume"),
    path("assisted-setup/<id:pk>/step/<id:step>/", wizard.step, name="wizard_step"),
]
