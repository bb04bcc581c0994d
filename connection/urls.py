from django.urls import path

from connection import action_views, views, wizard_views

app_name = "connection"
urlpatterns = [
    path("", views.setup, name="setup"),
    path("all/", views.connection_list, name="list"),
    path("new/", views.new, name="new"),
    path("switch/", views.switch, name="switch"),
    path("<int:pk>/", views.card, name="card"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/changes/", views.changes, name="changes"),
    path("<int:pk>/test/", action_views.test, name="test"),
    path("<int:pk>/redeploy/", action_views.redeploy, name="redeploy"),
    path("<int:pk>/reset-web-client-url/", action_views.reset_web_client_url,
         name="reset_web_client_url"),
    path("<int:pk>/couple-salespersons/", action_views.couple_salespersons,
         name="couple_salespersons"),
    path("<int:pk>/default-setup/", action_views.default_setup, name="default_setup"),
    path("<int:pk>/sync-modified/", action_views.sync_modified, name="sync_modified"),
    path("<int:pk>/full-sync/", action_views.full_sync, name="full_sync"),
    path("<int:pk>/disconnect/", action_views.disconnect, name="disconnect"),
    path("assisted-setup/", wizard_views.start, name="wizard"),
    path("assisted-setup/<int:pk>/", wizard_views.resume, name="wizard_resume"),
    path("assisted-setup/<int:pk>/step/<int:step>/", wizard_views.step, name="wizard_step"),
]
