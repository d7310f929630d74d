"""Pages to submit, follow, edit, withdraw, delete and cancel submissions. Thin: rules in services, reads in
selectors. Managing a submission is for its owner and staff; anyone else gets a 404, as for a missing one."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from leaderboard.files import StorageFull
from leaderboard.models import Submission
from leaderboard.submissions import checks, services
from leaderboard.submissions.forms import AboutForm, SubmissionForm
from leaderboard.submissions.selectors import (
    evaluations_with_results,
    reproducibility,
    submission_state,
    submissions_with_status,
)
from leaderboard.visibility import may_manage, own_submissions, viewable_submissions
from runners.metrics import METRICS


@login_required
def submit(request):
    form = SubmissionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            checks.check_streamed_uploads(request)
            submission, created = services.submit_once(request.user, form.cleaned_data["idempotency_key"],
                                                       **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        except StorageFull as full:
            form.add_error(None, str(full))
            return render(request, "leaderboard/submissions/form.html", {"form": form}, status=503)
        else:
            if created:
                messages.success(request, f"Submitted {submission.name}: "
                                          f"{submission.evaluations.count()} evaluation(s) queued.")
            else:
                messages.info(request, f"This form was already sent: {submission.name} was submitted then, "
                                       "nothing new was queued.")
            return redirect("submission-detail", pk=submission.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leaderboard/submissions/form.html", {"form": form}, status=status)


@login_required
def my_submissions(request):
    return render(request, "leaderboard/submissions/list.html",
                  {"submissions": submissions_with_status(request.user)})


def _visible(request, pk) -> Submission:
    submission = viewable_submissions(request.user).filter(pk=pk).first()
    if submission is None:
        raise Http404("no such submission")
    return submission


def _managed(request, pk) -> Submission:
    return get_object_or_404(own_submissions(request.user), pk=pk)


def detail(request, pk):
    submission = _visible(request, pk)
    evaluations = evaluations_with_results(submission)
    for evaluation in evaluations:
        evaluation.reproducibility = reproducibility(evaluation) if evaluation.attempts > 1 else None
    return render(request, "leaderboard/submissions/detail.html", {
        "submission": submission, "evaluations": evaluations, "metrics": METRICS,
        "can_manage": may_manage(request.user, submission),
        "finished": [e for e in evaluations if e.current_result],
        "active": any(e.is_active for e in evaluations),
    })


def status(request, pk):
    return JsonResponse(submission_state(_visible(request, pk)))


@login_required
def edit(request, pk):
    submission = _managed(request, pk)
    form = AboutForm(request.POST or None,
                     initial={field: getattr(submission, field) for field in services.EDITABLE_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_submission(submission, request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Saved {submission.name}.")
            return redirect("submission-detail", pk=submission.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leaderboard/submissions/edit.html", {"form": form, "submission": submission},
                  status=status)


@require_POST
@login_required
def withdraw(request, pk):
    submission = services.withdraw_submission(_managed(request, pk), request.user)
    messages.info(request, f"Withdrew {submission.name}: it is on no leaderboard until you reinstate it.")
    return redirect("submission-detail", pk=submission.pk)


@require_POST
@login_required
def reinstate(request, pk):
    submission = services.reinstate_submission(_managed(request, pk), request.user)
    messages.success(request, f"Reinstated {submission.name}: it is back on the leaderboards.")
    return redirect("submission-detail", pk=submission.pk)


@login_required
def delete(request, pk):
    """GET: the confirmation page; POST (its form): delete."""
    submission = _managed(request, pk)
    if request.method == "POST":
        services.delete_submission(submission, request.user)
        messages.success(request, f"Deleted {submission.name}, its results and its files.")
        return redirect("submission-list")
    return render(request, "leaderboard/submissions/delete.html", {"submission": submission})


@require_POST
@login_required
def cancel(request, pk):
    submission = _managed(request, pk)
    count = services.cancel_submission(submission, request.user)
    messages.info(request, f"Cancelled {count} evaluation(s)." if count else "Nothing was left to cancel.")
    return redirect("submission-detail", pk=submission.pk)
