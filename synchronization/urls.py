from django.urls import path

from synchronization import views

app_name = "synchronization"
urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/check-worker/", views.check_worker, name="check_worker"),
    path("full-sync/", views.full_sync_review, name="full_sync"),
]
