"""API shapes. Input serializers check types; services.submit and its checks apply the rules."""
from __future__ import annotations

import json

from rest_framework import serializers

from leaderboard.models import Evaluation, Family, Result, Source, Submission
from leaderboard.submissions.selectors import current_result


class JSONObjectField(serializers.JSONField):
    """A JSON object, also accepted as a JSON string (multipart uploads send text)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except json.JSONDecodeError as exc:
                raise serializers.ValidationError(f"not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise serializers.ValidationError('a JSON object, e.g. {"pooling": "mean"}')
        return data


class SubmissionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    paper_url = serializers.CharField(required=False, allow_blank=True, default="")
    code_url = serializers.CharField(required=False, allow_blank=True, default="")
    licence = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    family = serializers.ChoiceField(choices=Family.choices)
    source = serializers.ChoiceField(choices=[c for c in Source.choices if c[0] != Source.EXTERNAL], required=False,
                                     allow_blank=True, default="")
    retriever = serializers.CharField(required=False, allow_blank=True, default="")
    model_id = serializers.CharField(required=False, allow_blank=True, default="")
    model_archive = serializers.FileField(required=False, allow_null=True, default=None)
    run_files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                      help_text="one TREC run per dataset, named <benchmark>__<dataset>.trec")
    datasets = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                     help_text="dataset keys, benchmarks or suites of the catalog")
    params = JSONObjectField(required=False, default=dict)
    is_public = serializers.BooleanField(required=False, default=True)

    def validate_datasets(self, value):
        return [part.strip() for item in value for part in item.split(",") if part.strip()]


class SubmissionUpdateSerializer(serializers.Serializer):
    """PATCH: any of the fields an owner may change after submitting (services.EDITABLE_FIELDS)."""

    name = serializers.CharField(required=False, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    paper_url = serializers.CharField(required=False, allow_blank=True)
    code_url = serializers.CharField(required=False, allow_blank=True)
    licence = serializers.CharField(required=False, allow_blank=True, max_length=100)
    is_public = serializers.BooleanField(required=False)


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Result
        fields = ["id", "attempt", "is_current", "main_score", "metrics", "timings", "provenance",
                  "judged_queries", "created_at"]


class EvaluationSerializer(serializers.ModelSerializer):
    dataset = serializers.CharField(source="dataset.key")
    result = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = ["id", "dataset", "status", "queue", "attempts", "progress_phase", "progress_percent",
                  "worker_host", "error", "queued_at", "started_at", "finished_at", "heartbeat_at", "result"]

    def get_result(self, evaluation) -> dict | None:
        result = current_result(evaluation)
        return ResultSerializer(result).data if result else None


class SubmissionSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None)
    evaluations = EvaluationSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "slug", "name", "owner", "description", "paper_url", "code_url", "licence", "family",
                  "source", "retriever", "model_id", "model_checksum", "params", "n_parameters", "embedding_dim",
                  "vocabulary_size", "is_public", "withdrawn_at", "requested_datasets", "created_at", "evaluations"]


class StatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    finished = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    evaluations = serializers.ListField(child=serializers.DictField())
