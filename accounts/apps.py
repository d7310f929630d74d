from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib import admin

        from accounts import signals  # noqa: F401  (connects the lockout's receivers)
        from accounts.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm  # says "locked" instead of "wrong password" on /admin/login/
