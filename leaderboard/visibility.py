"""Who may see and who may manage a submission: the one rule the write side, the worker and the board share."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from leaderboard.models import Submission


def visible_submissions(user) -> QuerySet[Submission]:
    """Public submissions and the viewer's own private ones; staff see everything."""
    if user is not None and user.is_authenticated and user.is_staff:
        return Submission.objects.all()
    if user is not None and user.is_authenticated:
        return Submission.objects.filter(Q(is_public=True) | Q(owner=user))
    return Submission.objects.filter(is_public=True)


def own_submissions(user) -> QuerySet[Submission]:
    """The submissions a user may cancel: their own; staff manage all."""
    if user is None or not user.is_authenticated:
        return Submission.objects.none()
    if user.is_staff:
        return Submission.objects.all()
    return Submission.objects.filter(owner=user)


def may_manage(user, submission: Submission) -> bool:
    return user is not None and user.is_authenticated and (submission.owner_id == user.pk or user.is_staff)
