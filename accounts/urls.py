from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api, forms, views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=forms.LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/token/", views.api_token, name="api-token"),
    path("api/auth/token/", api.TokenView.as_view(), name="api-auth-token"),
]
