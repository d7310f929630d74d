"""REST API: create submissions (with files), poll their status, read results, cancel; edit, withdraw, reinstate
and delete your own.

Authentication: `Authorization: Token <key>` (POST /api/auth/token/ or the account page) or the
session. The OpenAPI schema is served at /api/schema/, readable at /api/docs/.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, routers, status, viewsets
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
    SubmissionUpdateSerializer,
)
from leaderboard.visibility import own_submissions, viewable_submissions

# Actions on a submission that only its owner and staff may take; anyone else gets a 404.
MANAGING_ACTIONS = ("cancel", "partial_update", "destroy", "withdraw", "reinstate")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Any unique string (a UUID). Sent again with the same key, the request returns your first "
                "submission with 200 instead of 201 and writes nothing new: a retry after a timeout is safe.")


def api_error(error: ValidationError) -> APIValidationError:
    """A service's ValidationError as the API's 400 (field -> messages)."""
    return APIValidationError({k if k != "__all__" else "non_field_errors": v for k, v in error.message_dict.items()})


class APIRoot(routers.APIRootView):
    """RetrievalBoard's API. Described at /api/schema/ (OpenAPI) and /api/docs/ (readable)."""


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Your submissions (list), any visible submission (retrieve), new submissions (create); your own edited
    (partial_update), withdrawn, reinstated or deleted (destroy)."""

    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SubmissionSerializer

    def get_queryset(self):
        if self.action == "list":
            return with_evaluations(own_submissions(self.request.user))
        if self.action in MANAGING_ACTIONS:
            return own_submissions(self.request.user)
        if self.action == "retrieve":
            return with_evaluations(viewable_submissions(self.request.user))
        return viewable_submissions(self.request.user)

    def get_serializer_class(self):
        return SubmissionCreateSerializer if self.action == "create" else SubmissionSerializer

    @extend_schema(request=SubmissionCreateSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={201: SubmissionSerializer, 200: SubmissionSerializer})
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
            submission, created = services.submit_once(request.user, request.headers.get("Idempotency-Key", ""),
                                                       **serializer.validated_data)
        except ValidationError as error:
            raise api_error(error) from None
        except StorageFull as full:  # the server's fault, not the request's: 503, and nothing was kept
            return Response({"detail": str(full)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(SubmissionSerializer(submission).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=SubmissionUpdateSerializer, responses={200: SubmissionSerializer})
    def partial_update(self, request, pk=None):
        """Change the name, description, URLs, licence or visibility (is_public) of your submission."""
        submission = self.get_object()
        serializer = SubmissionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.update_submission(submission, request.user, **serializer.validated_data)
        except ValidationError as error:
            raise api_error(error) from None
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete your submission, its evaluations, results and files."""
        services.delete_submission(self.get_object(), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take your submission off every leaderboard; it stays in your list and can be reinstated."""
        submission = services.withdraw_submission(self.get_object(), request.user)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """Put your withdrawn submission back on the leaderboards."""
        submission = services.reinstate_submission(self.get_object(), request.user)
        return Response(SubmissionSerializer(submission).data)

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
