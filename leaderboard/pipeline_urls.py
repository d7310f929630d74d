"""URLs of accounts, submissions and the REST API (included from config/urls.py)."""
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from leaderboard import account_views, api, submission_views

router = DefaultRouter()
router.register("submissions", api.SubmissionViewSet, basename="api-submission")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/token/", account_views.api_token, name="api-token"),
    path("submit/", submission_views.submit, name="submission-create"),
    path("submissions/", submission_views.my_submissions, name="submission-list"),
    path("submissions/<int:pk>/", submission_views.detail, name="submission-detail"),
    path("submissions/<int:pk>/status.json", submission_views.status, name="submission-status"),
    path("submissions/<int:pk>/cancel/", submission_views.cancel, name="submission-cancel"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/auth/token/", obtain_auth_token, name="api-auth-token"),
    path("api/", include(router.urls)),
]
