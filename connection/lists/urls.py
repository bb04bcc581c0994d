from django.urls import path

from connection.lists import views

app_name = "lists"
urlpatterns = [
    path("<slug:table>/columns/", views.save_columns, name="columns"),
]
