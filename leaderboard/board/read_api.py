"""Read-only API: leaderboards (the same JSON as the pages' exports) and results."""
from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets_registry.models import Benchmark
from leaderboard.board import exports
from leaderboard.board.filters import Filters
from leaderboard.board.results import query_scores, results
from leaderboard.board.tables import leaderboard
from leaderboard.models import Result

OVERVIEW = "all"


class LeaderboardList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="leaderboards_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        slugs = [OVERVIEW, *Benchmark.objects.values_list("slug", flat=True)]
        return Response([{"benchmark": slug, "url": request.build_absolute_uri(
            reverse("api-leaderboard", args=[slug]))} for slug in slugs])


class LeaderboardDetail(APIView):
    """?metric=&family=&size=&licence=&open_weights=&kind=&q=&test=&correction=&sort=&dir= as on the page."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, benchmark: str):
        try:
            table = leaderboard(
                request.user, None if benchmark == OVERVIEW else benchmark, metric=request.GET.get("metric", ""),
                filters=Filters.from_params(request.GET), test=request.GET.get("test", ""),
                correction=request.GET.get("correction", ""))
        except Benchmark.DoesNotExist:
            raise Http404 from None
        direction = request.GET.get("dir")
        rows = table.sorted_rows(request.GET.get("sort", "mean"),
                                 None if direction not in ("asc", "desc") else direction == "desc")
        return Response(exports.leaderboard_data(table, rows))


class ResultRowSerializer(serializers.ModelSerializer):
    submission = serializers.CharField(source="evaluation.submission.slug")
    dataset = serializers.CharField(source="evaluation.dataset.key")
    run_url = serializers.SerializerMethodField()

    class Meta:
        model = Result
        fields = ["id", "submission", "dataset", "attempt", "is_current", "main_score", "metrics", "timings",
                  "provenance", "judged_queries", "created_at", "run_url"]

    def get_run_url(self, result: Result) -> str | None:
        if not result.run_file:
            return None
        return self.context["request"].build_absolute_uri(reverse("run-download", args=[result.pk]))


class ResultDetailSerializer(ResultRowSerializer):
    query_scores = serializers.SerializerMethodField()

    class Meta(ResultRowSerializer.Meta):
        fields = [*ResultRowSerializer.Meta.fields, "query_scores"]

    def get_query_scores(self, result: Result) -> list[dict]:
        return query_scores(result)


class ResultList(generics.ListAPIView):
    """Current results; ?submission=<slug>&dataset=<benchmark/dataset>&benchmark=<slug>&history=1."""

    permission_classes = [AllowAny]
    serializer_class = ResultRowSerializer

    def get_queryset(self):
        params = self.request.GET
        return results(self.request.user, current=not params.get("history"),
                                 submission=params.get("submission", ""), dataset=params.get("dataset", ""),
                                 benchmark=params.get("benchmark", ""))


class ResultDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ResultDetailSerializer

    def get_queryset(self):
        return results(self.request.user, current=False)
