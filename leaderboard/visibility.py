"""Who may see and who may manage a submission: the one rule the write side, the worker and the board share."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from leaderboard.models import Submission

# A withdrawn submission is on no board, for anyone; its owner and staff still find it (viewable_submissions).
NOT_WITHDRAWN = Q(withdrawn_at__isnull=True)


def visible_submissions(user) -> QuerySet[Submission]:
    """What the boards show: public submissions and the viewer's own private ones; staff see everything.
    Withdrawn ones are left out."""
    if user is not None and user.is_authenticated and user.is_staff:
        return Submission.objects.filter(NOT_WITHDRAWN)
    if user is not None and user.is_authenticated:
        return Submission.objects.filter(NOT_WITHDRAWN & (Q(is_public=True) | Q(owner=user)))
    return Submission.objects.filter(NOT_WITHDRAWN, is_public=True)


def viewable_submissions(user) -> QuerySet[Submission]:
    """A submission's own pages: the visible ones, and the viewer's withdrawn ones (staff: all)."""
    return visible_submissions(user) | own_submissions(user)


def own_submissions(user) -> QuerySet[Submission]:
    """The submissions a user may manage (edit, withdraw, delete, cancel): their own; staff manage all."""
    if user is None or not user.is_authenticated:
        return Submission.objects.none()
    if user.is_staff:
        return Submission.objects.all()
    return Submission.objects.filter(owner=user)


def may_manage(user, submission: Submission) -> bool:
    return user is not None and user.is_authenticated and (submission.owner_id == user.pk or user.is_staff)
