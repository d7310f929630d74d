"""Pages to submit, follow and cancel submissions. Thin: rules in services, reads in selectors."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from leaderboard.files import StorageFull
from leaderboard.submissions import checks, services
from leaderboard.submissions.forms import SubmissionForm
from leaderboard.submissions.selectors import evaluations_with_results, reproducibility, submission_state
from leaderboard.visibility import may_manage, own_submissions, visible_submissions
from runners.metrics import METRICS


@login_required
def submit(request):
    form = SubmissionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            checks.check_streamed_uploads(request)
            submission = services.submit(request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        except StorageFull as full:
            form.add_error(None, str(full))
            return render(request, "leaderboard/submissions/form.html", {"form": form}, status=503)
        else:
            messages.success(request, f"Submitted {submission.name}: "
                                      f"{submission.evaluations.count()} evaluation(s) queued.")
            return redirect("submission-detail", pk=submission.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leaderboard/submissions/form.html", {"form": form}, status=status)


@login_required
def my_submissions(request):
    submissions = own_submissions(request.user).prefetch_related("evaluations")
    return render(request, "leaderboard/submissions/list.html", {"submissions": submissions})


def _visible(request, pk):
    submission = visible_submissions(request.user).filter(pk=pk).first()
    if submission is None:
        raise Http404("no such submission")
    return submission


def detail(request, pk):
    submission = _visible(request, pk)
    evaluations = evaluations_with_results(submission)
    for evaluation in evaluations:
        evaluation.reproducibility = reproducibility(evaluation) if evaluation.attempts > 1 else None
    return render(request, "leaderboard/submissions/detail.html", {
        "submission": submission, "evaluations": evaluations, "metrics": METRICS,
        "can_cancel": may_manage(request.user, submission),
        "finished": [e for e in evaluations if e.current_result],
        "active": any(e.is_active for e in evaluations),
    })


def status(request, pk):
    return JsonResponse(submission_state(_visible(request, pk)))


@require_POST
@login_required
def cancel(request, pk):
    submission = get_object_or_404(own_submissions(request.user), pk=pk)
    count = services.cancel_submission(submission, request.user)
    messages.info(request, f"Cancelled {count} evaluation(s)." if count else "Nothing was left to cancel.")
    return redirect("submission-detail", pk=submission.pk)
