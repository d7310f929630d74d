from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("leaderboard.urls")),
    path("", include("leaderboard.pipeline_urls")),  # accounts, submissions, REST API
]
