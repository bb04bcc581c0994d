from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from connection import views as connection_views
from synchronization import views as synchronization_views

urlpatterns = [
    path("", connection_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", synchronization_views.healthz, name="healthz"),
    path("connection/", include("connection.urls")),
    path("mappings/", include("mappings.urls")),
    path("sync/", include("synchronization.urls")),
    path("admin/", admin.site.urls),
]
