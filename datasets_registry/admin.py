from django.contrib import admin

from datasets_registry.models import Benchmark, Dataset


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "domain", "format", "doc_count", "query_count", "licence"]
    list_filter = ["benchmark", "format"]
    search_fields = ["slug", "name", "domain"]
