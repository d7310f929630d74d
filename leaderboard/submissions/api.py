"""REST API: create submissions (with files), poll their status, read results, cancel.

Authentication: `Authorization: Token <key>` (POST /api/auth/token/ or the account page) or the
session. The OpenAPI schema is served at /api/schema/.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.api import BoundedJSONParser
from leaderboard.files import StorageFull
from leaderboard.submissions import checks, services
from leaderboard.submissions.selectors import current_results, submission_state, with_evaluations
from leaderboard.submissions.serializers import (
    ResultSerializer,
    StatusSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
)
from leaderboard.visibility import own_submissions, visible_submissions


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Your submissions (list), any visible submission (retrieve), and new submissions (create)."""

    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SubmissionSerializer

    def get_queryset(self):
        if self.action == "list":
            return with_evaluations(own_submissions(self.request.user))
        if self.action == "cancel":
            return own_submissions(self.request.user)
        if self.action == "retrieve":
            return with_evaluations(visible_submissions(self.request.user))
        return visible_submissions(self.request.user)

    def get_serializer_class(self):
        return SubmissionCreateSerializer if self.action == "create" else SubmissionSerializer

    @extend_schema(request=SubmissionCreateSerializer, responses={201: SubmissionSerializer})
    def create(self, request, *args, **kwargs):
        data = request.data
        if hasattr(request.data, "getlist"):  # multipart or form: repeated fields and files
            data = {key: request.data.get(key) for key in request.data}
            data["datasets"] = request.data.getlist("datasets")
            data["run_files"] = request.FILES.getlist("run_files")
            data["model_archive"] = request.FILES.get("model_archive")
        serializer = SubmissionCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        try:
            checks.check_streamed_uploads(request)
            submission = services.submit(request.user, **serializer.validated_data)
        except ValidationError as error:
            raise APIValidationError({k if k != "__all__" else "non_field_errors": v
                                      for k, v in error.message_dict.items()}) from None
        except StorageFull as full:  # the server's fault, not the request's: 503, and nothing was kept
            return Response({"detail": str(full)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: StatusSerializer})
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        """Per-dataset status, progress and (when done) the current result."""
        return Response(submission_state(self.get_object()))

    @extend_schema(responses={200: ResultSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Current results, one per succeeded dataset, with the dataset key."""
        results = current_results(self.get_object())
        return Response([{"dataset": r.evaluation.dataset.key, **ResultSerializer(r).data} for r in results])

    @extend_schema(request=None, responses={200: StatusSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the queued and running evaluations of your submission."""
        submission = self.get_object()
        services.cancel_submission(submission, request.user)
        return Response(submission_state(submission))
