"""People-facing state: who submitted what, which evaluations ran, what they scored."""
from __future__ import annotations

from itertools import count

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from runners.families import FAMILIES
from runners.specs import REFERENCE_SPECS

# The reference retrievers' rows take their names as slugs (evaluations/store.py); no other row gets one.
RESERVED_SLUGS = frozenset(REFERENCE_SPECS)

# The families as database choices, from their records (runners/families.py): Family.DENSE == "dense".
Family = models.TextChoices("Family", [(name.upper().replace("-", "_"), (name, record.label))
                                       for name, record in FAMILIES.items()])


class Source(models.TextChoices):
    REFERENCE = "reference", "Reference retriever"
    ARCHIVE = "archive", "Uploaded model archive"
    MODEL_ID = "model-id", "Model id (hub)"
    RUN_FILE = "run-file", "Uploaded run files"
    EXTERNAL = "external", "Self-reported (imported)"


class Submission(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="submissions")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    paper_url = models.URLField(blank=True)
    code_url = models.URLField(blank=True)
    licence = models.CharField(max_length=100, blank=True)
    family = models.CharField(max_length=20, choices=Family.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    retriever = models.CharField(max_length=100, blank=True, help_text="reference retriever name (runners.specs)")
    model_id = models.CharField(max_length=300, blank=True)
    model_archive = models.FileField(upload_to="models/", blank=True)
    model_checksum = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="pooling, prefixes, max length, top-k, fusion")
    n_parameters = models.BigIntegerField(null=True, blank=True)
    embedding_dim = models.PositiveIntegerField(null=True, blank=True)
    vocabulary_size = models.PositiveIntegerField(null=True, blank=True)
    open_weights = models.BooleanField(default=True)
    is_reference = models.BooleanField(default=False, db_index=True)
    is_public = models.BooleanField(default=True)
    wants_gpu = models.BooleanField(default=False)
    requested_datasets = models.JSONField(default=list, blank=True,
                                          help_text="dataset keys, benchmarks or suites as the submitter chose them")
    # Withdrawn by its owner: on no board, still listed for the owner and staff (leaderboard/visibility.py).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The key a form or an API client sent with it: the same key again returns this submission (services.submit_once).
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Behind the owner's lock in services.submit_once: never two rows for one owner's key.
            models.UniqueConstraint(fields=["owner", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="one_submission_per_idempotency_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def save(self, *args, **kwargs):
        if self.slug:
            return super().save(*args, **kwargs)
        self._save_with_free_slug(*args, **kwargs)

    def _save_with_free_slug(self, *args, **kwargs) -> None:
        """Slug from the name, '-2', '-3' ... where taken or reserved. A concurrent save may take the slug
        between the check and the insert: the insert then fails in its savepoint and the next one is tried."""
        base = slugify(self.name)[:120] or "submission"
        for n in count(1):
            self.slug = base if n == 1 else f"{base}-{n}"
            if self.slug in RESERVED_SLUGS or Submission.objects.filter(slug=self.slug).exists():
                continue
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                if not Submission.objects.filter(slug=self.slug).exists():
                    raise  # another constraint failed, not the slug's


class Evaluation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evaluations")
    dataset = models.ForeignKey("datasets_registry.Dataset", on_delete=models.PROTECT, related_name="evaluations")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    queue = models.CharField(max_length=20, default="cpu")
    # The attempt number of the current run: 1 on submission, +1 per rerun. A task carries it, so a
    # message for a superseded attempt is ignored and a result is written once per attempt.
    attempts = models.PositiveIntegerField(default=0)
    # How many times a worker picked the current attempt up (redeliveries after a worker died, retries).
    deliveries = models.PositiveIntegerField(default=0)
    progress_phase = models.CharField(max_length=50, blank=True)
    progress_percent = models.FloatField(default=0.0)
    worker_host = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=100, blank=True)
    run_file = models.FileField(upload_to="runs/submitted/", blank=True, help_text="for run-file submissions")
    error = models.TextField(blank=True, help_text="what went wrong, for people")
    queued_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="when the task was last sent to the broker")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "dataset__benchmark__slug", "dataset__slug"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "dataset"], name="one_evaluation_per_dataset"),
        ]

    def __str__(self) -> str:
        return f"{self.submission} on {self.dataset}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Result(models.Model):
    """One completed attempt. Reruns add results; the newest is current, older ones are history."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    attempt = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True, db_index=True)
    main_score = models.FloatField(help_text="the dataset's main metric (nDCG@10)")
    metrics = models.JSONField(default=dict)
    timings = models.JSONField(default=dict)
    provenance = models.JSONField(default=dict)
    judged_queries = models.PositiveIntegerField(default=0)
    run_file = models.FileField(upload_to="runs/results/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A redelivered task for the same attempt can never write a second result.
            models.UniqueConstraint(fields=["evaluation", "attempt"], name="one_result_per_attempt"),
        ]
        indexes = [models.Index(fields=["evaluation", "is_current"])]


class QueryScore(models.Model):
    """Per-query metrics: the material for significance tests and per-query comparisons."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="query_scores")
    query_id = models.CharField(max_length=200)
    ndcg_at_10 = models.FloatField()
    ndcg_at_100 = models.FloatField()
    recall_at_100 = models.FloatField()
    recall_at_1000 = models.FloatField()
    map_at_1000 = models.FloatField()
    mrr_at_10 = models.FloatField()
    p_at_10 = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["result", "query_id"], name="one_score_per_query")]


def metric_field(metric_name: str) -> str:
    """'ndcg@10' -> 'ndcg_at_10', the QueryScore column."""
    return metric_name.replace("@", "_at_")


class HostYardstick(models.Model):
    """The fixed reference workload (runners/yardstick.py) timed on one worker host: efficiency figures of the
    results that host measured are shown relative to it. A host is measured again once its newest is stale."""

    host = models.CharField(max_length=200, db_index=True, help_text="the machine's network name")
    hardware = models.CharField(max_length=300, help_text="CPU model x cores / GPU")
    measured_at = models.DateTimeField()
    bm25_latency_p50_ms = models.FloatField()
    dense_encode_per_s = models.FloatField()
    under_load = models.BooleanField(default=False)
    details = models.JSONField(default=dict, help_text="the dataset and device description it was measured on")

    class Meta:
        ordering = ["-measured_at"]
        constraints = [models.UniqueConstraint(fields=["host", "measured_at"], name="one_yardstick_per_measurement")]

    def __str__(self) -> str:
        return f"{self.host} at {self.measured_at:%Y-%m-%d %H:%M}"

    def as_provenance(self) -> dict:
        return {"id": self.pk, "host": self.host, "hardware": self.hardware,
                "measured_at": self.measured_at.isoformat(), "bm25_latency_p50_ms": self.bm25_latency_p50_ms,
                "dense_encode_per_s": self.dense_encode_per_s, "under_load": self.under_load}
