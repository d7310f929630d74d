"""Cached leaderboards go stale whenever a result, submission or benchmark is written or deleted (after commit)."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from datasets_registry.models import Benchmark
from leaderboard.board.cache import invalidate_leaderboards
from leaderboard.models import Result, Submission


@receiver([post_save, post_delete], sender=Result)
@receiver([post_save, post_delete], sender=Submission)
@receiver([post_save, post_delete], sender=Benchmark)
def leaderboard_changed(sender, **kwargs) -> None:
    transaction.on_commit(invalidate_leaderboards)
