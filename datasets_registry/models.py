"""Benchmarks and datasets as rows, mirrored from the checked-in catalog by `datasets sync`."""
from django.db import models


class Benchmark(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    citation = models.TextField(blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="datasets")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    split = models.CharField(max_length=50, default="test")
    format = models.CharField(max_length=50)
    source_url = models.URLField(max_length=500, blank=True)
    licence = models.CharField(max_length=300, blank=True)
    citation = models.TextField(blank=True)
    doc_count = models.PositiveIntegerField(null=True, blank=True)
    query_count = models.PositiveIntegerField(null=True, blank=True)
    qrels_count = models.PositiveIntegerField(null=True, blank=True)
    files = models.JSONField(default=dict, blank=True, help_text="relative path -> sha256")
    options = models.JSONField(default=dict, blank=True, help_text="remove_self_matches, excluded_ids, ...")
    main_metric = models.CharField(max_length=50, default="ndcg@10")
    restricted = models.TextField(blank=True, help_text="why it cannot be downloaded and how to obtain it")
    mteb = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["benchmark__slug", "slug"]
        constraints = [models.UniqueConstraint(fields=["benchmark", "slug"], name="unique_dataset_per_benchmark")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return f"{self.benchmark.slug}/{self.slug}"
