"""Sign-up and the API token page (login and logout are Django's own views)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render

from accounts import services


def signup(request):
    if request.user.is_authenticated:
        return redirect("/")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.username}. You can now submit models and run files.")
        return redirect("submission-create")
    return render(request, "registration/signup.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
def api_token(request):
    if request.method == "POST":
        services.rotate_api_token(request.user)
        messages.success(request, "A new API token was created; the old one no longer works.")
        return redirect("api-token")
    return render(request, "registration/token.html", {"token": services.api_token(request.user)})
