from django.urls import path

from mappings import views

app_name = "mappings"
urlpatterns = [
    path("", views.mapping_list, name="list"),
    path("couplings/", views.coupling_list, name="couplings"),
]
