from django.urls import path

from leaderboard.board import read_api, views

FORMAT = "<str:fmt>"

urlpatterns = [
    path("", views.home, name="home"),
    path("leaderboards/", views.leaderboard_page, name="leaderboard"),
    path(f"leaderboards/export.{FORMAT}", views.leaderboard_page, name="leaderboard-export"),
    path("leaderboards/efficiency/", views.efficiency_page, name="efficiency"),
    path("leaderboards/<slug:benchmark>/", views.leaderboard_page, name="leaderboard-benchmark"),
    path(f"leaderboards/<slug:benchmark>/export.{FORMAT}", views.leaderboard_page, name="leaderboard-benchmark-export"),
    path("leaderboards/<slug:benchmark>/efficiency/", views.efficiency_page, name="efficiency-benchmark"),
    path("models/<slug:slug>/", views.model_page, name="model"),
    path(f"models/<slug:slug>/export.{FORMAT}", views.model_page, name="model-export"),
    path("compare/", views.compare_page, name="compare"),
    path(f"compare/export.{FORMAT}", views.compare_page, name="compare-export"),
    path("results/<int:pk>/run.trec.gz", views.run_download, name="run-download"),
    path("api/leaderboards/", read_api.LeaderboardList.as_view(), name="api-leaderboards"),
    path("api/leaderboards/<slug:benchmark>/", read_api.LeaderboardDetail.as_view(), name="api-leaderboard"),
    path("api/results/", read_api.ResultList.as_view(), name="api-results"),
    path("api/results/<int:pk>/", read_api.ResultDetail.as_view(), name="api-result"),
]
