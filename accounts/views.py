"""Sign-up (limited per client address, accounts/limits.py) and the API token page (login and logout are Django's
own views, with accounts/forms.py's login form)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render

from accounts import limits, services


def signup(request):
    if request.user.is_authenticated:
        return redirect("/")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST":
        # Refused at once when this address is over its hourly limit; a valid form reserves one sign-up atomically.
        wait = limits.signup_wait(request) or (form.is_valid() and limits.take_signup(request))
        if wait:
            form.add_error(None, limits.signup_message(wait))
            return render(request, "registration/signup.html", {"form": form}, status=429)
        if form.is_valid():
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
