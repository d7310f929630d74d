"""Pages and REST API of submissions (included from config/urls.py)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from leaderboard.submissions import api, views

router = DefaultRouter()
router.register("submissions", api.SubmissionViewSet, basename="api-submission")

urlpatterns = [
    path("submit/", views.submit, name="submission-create"),
    path("submissions/", views.my_submissions, name="submission-list"),
    path("submissions/<int:pk>/", views.detail, name="submission-detail"),
    path("submissions/<int:pk>/status.json", views.status, name="submission-status"),
    path("submissions/<int:pk>/cancel/", views.cancel, name="submission-cancel"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include(router.urls)),
]
