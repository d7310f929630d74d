"""Admin for submissions, evaluations and results, with rerun and cancel actions.

A rerun queues a new attempt; the previous result stays as history (is_current=False) and the
evaluation page shows the metric deltas between the two (a reproducibility check).
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from leaderboard.models import Evaluation, Result, Submission
from leaderboard.submissions import services
from leaderboard.submissions.selectors import reproducibility


class EvaluationInline(admin.TabularInline):
    model = Evaluation
    extra = 0
    fields = ("dataset", "status", "attempts", "progress_phase", "progress_percent", "worker_host", "error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "family", "source", "is_reference", "is_public", "created_at")
    list_filter = ("family", "source", "is_reference", "is_public")
    search_fields = ("name", "slug", "owner__username", "model_id", "retriever")
    readonly_fields = ("model_checksum", "created_at", "updated_at")
    inlines = [EvaluationInline]
    actions = ["rerun_on_all_datasets", "rerun_all_evaluations", "cancel"]

    @admin.action(description="Rerun on all datasets of the catalog")
    def rerun_on_all_datasets(self, request, queryset):
        count = sum(services.rerun_on_all_datasets(s) for s in queryset)
        self.message_user(request, f"Queued {count} evaluation(s).", messages.SUCCESS)

    @admin.action(description="Rerun their finished evaluations")
    def rerun_all_evaluations(self, request, queryset):
        count = services.rerun_evaluations(Evaluation.objects.filter(submission__in=queryset))
        self.message_user(request, f"Queued {count} evaluation(s).", messages.SUCCESS)

    @admin.action(description="Cancel queued and running evaluations")
    def cancel(self, request, queryset):
        count = services.cancel_evaluations(Evaluation.objects.filter(submission__in=queryset), by=request.user)
        self.message_user(request, f"Cancelled {count} evaluation(s).", messages.SUCCESS)


def _deltas_html(evaluation: Evaluation) -> str:
    rows = reproducibility(evaluation)
    if not rows:
        return "no previous result"
    body = format_html_join(
        "", "<tr><td>{}</td><td>{:.4f}</td><td>{:.4f}</td><td>{:+.6f}</td></tr>",
        ((r["metric"], r["current"], r["previous"], r["delta"]) for r in rows),
    )
    return format_html("<table><tr><th>metric</th><th>attempt {}</th><th>attempt {}</th><th>Δ</th></tr>{}</table>",
                       rows[0]["current_attempt"], rows[0]["previous_attempt"], body)


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    fields = ("attempt", "is_current", "main_score", "judged_queries", "created_at")
    readonly_fields = fields
    can_delete = False
    ordering = ("-attempt",)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("submission", "dataset", "status", "attempts", "progress_percent", "worker_host", "queue",
                    "started_at", "finished_at")
    list_filter = ("status", "queue", "dataset__benchmark")
    search_fields = ("submission__name", "dataset__slug", "worker_host", "task_id")
    list_select_related = ("submission", "dataset__benchmark")
    readonly_fields = ("attempts", "deliveries", "task_id", "queued_at", "enqueued_at", "started_at", "finished_at",
                       "heartbeat_at", "worker_host", "reproducibility_check")
    inlines = [ResultInline]
    actions = ["rerun", "cancel"]

    @admin.display(description="Reproducibility (current vs previous result)")
    def reproducibility_check(self, evaluation):
        return _deltas_html(evaluation)

    @admin.action(description="Rerun selected evaluations (previous result kept as history)")
    def rerun(self, request, queryset):
        count = services.rerun_evaluations(queryset)
        skipped = queryset.count() - count
        note = f"; {skipped} still queued/running were skipped" if skipped else ""
        self.message_user(request, f"Queued {count} rerun(s){note}.", messages.SUCCESS)

    @admin.action(description="Cancel selected evaluations")
    def cancel(self, request, queryset):
        count = services.cancel_evaluations(queryset, by=request.user)
        self.message_user(request, f"Cancelled {count} evaluation(s).", messages.SUCCESS)


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("evaluation", "attempt", "is_current", "main_score", "judged_queries", "created_at",
                    "delta_to_previous")
    list_filter = ("is_current", "evaluation__dataset__benchmark")
    search_fields = ("evaluation__submission__name",)
    list_select_related = ("evaluation__submission", "evaluation__dataset__benchmark")
    readonly_fields = [f.name for f in Result._meta.fields]

    @admin.display(description="Δ main score vs previous attempt")
    def delta_to_previous(self, result):
        previous = (Result.objects.filter(evaluation_id=result.evaluation_id, attempt__lt=result.attempt)
                    .order_by("-attempt").first())
        return "—" if previous is None else f"{result.main_score - previous.main_score:+.6f}"
