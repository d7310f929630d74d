from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("leaderboard.board.urls")),  # leaderboards, model pages, comparisons, read API
    path("", include("leaderboard.submissions.urls")),  # submit, follow, cancel; the submissions API
    path("", include("accounts.urls")),  # sign-up, login, API tokens
]
