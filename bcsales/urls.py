from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from connection.views import connections as connection_views
from synchronization.views import worker as synchronization_views

urlpatterns = [
    path("", connection_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers and bookmarks ask for /favicon.ico whatever the page links; send them to the icon.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("favicon.svg"))),
         name="favicon"),
    path("healthz", synchronization_views.healthz, name="healthz"),
    path("connection/", include("connection.urls")),
    path("mappings/", include("mappings.urls")),
    path("sync/", include("synchronization.urls")),
    path("lists/", include("connection.lists.urls")),
    path("admin/", admin.site.urls),
]
