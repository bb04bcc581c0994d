from django.urls import path

from connection import views

app_name = "connection"
urlpatterns = [
    path("", views.setup, name="setup"),
    path("assisted-setup/", views.wizard, name="wizard"),
    path("switch/", views.switch, name="switch"),
]
