"""Pages and REST API of submissions (included from config/urls.py)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from leaderboard.submissions import api, views

router = DefaultRouter()
router.include_root_view = False  # the root below lists the other apps' endpoints too
router.register("submissions", api.SubmissionViewSet, basename="api-submission")

# What GET /api/ lists: name shown -> URL name, for every endpoint of the API.
API_ENDPOINTS = {
    "submissions": "api-submission-list",
    "leaderboards": "api-leaderboards",
    "results": "api-results",
    "auth/token": "api-auth-token",
    "schema": "api-schema",
    "docs": "api-docs",
}

urlpatterns = [
    path("submit/", views.submit, name="submission-create"),
    path("submissions/", views.my_submissions, name="submission-list"),
    path("submissions/<int:pk>/", views.detail, name="submission-detail"),
    path("submissions/<int:pk>/status.json", views.status, name="submission-status"),
    path("submissions/<int:pk>/cancel/", views.cancel, name="submission-cancel"),
    path("submissions/<int:pk>/edit/", views.edit, name="submission-edit"),
    path("submissions/<int:pk>/withdraw/", views.withdraw, name="submission-withdraw"),
    path("submissions/<int:pk>/reinstate/", views.reinstate, name="submission-reinstate"),
    path("submissions/<int:pk>/delete/", views.delete, name="submission-delete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from this site's static files (drf-spectacular-sidecar); its start script is a file of its own,
    # not inline, so the Content-Security-Policy's script-src 'self' lets it run.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", api.APIRoot.as_view(api_root_dict=API_ENDPOINTS), name="api-root"),
    path("api/", include(router.urls)),
]
