"""Filters of the leaderboard tables, read from and written back to the URL."""
from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet

from leaderboard.models import Source, Submission

SIZES = {  # label, bounds on n_parameters
    "none": ("no parameters (lexical) or unknown", None),
    "small": ("under 100M", (1, 10**8)),
    "medium": ("100M to 1B", (10**8, 10**9)),
    "large": ("over 1B", (10**9, None)),
}
KINDS = {"reference": "reference retrievers", "community": "community submissions"}
# Open weights as the board states it: a run-file row has no weights to open, whatever its flag says.
OPEN_WEIGHTS = Q(open_weights=True) & ~Q(source=Source.RUN_FILE)


def has_open_weights(submission: Submission) -> bool:
    """OPEN_WEIGHTS for one submission already read."""
    return submission.open_weights and submission.source != Source.RUN_FILE


@dataclass(frozen=True)
class Filters:
    family: str = ""
    size: str = ""
    licence: str = ""
    open_weights: str = ""  # "yes" | "no"
    kind: str = ""  # a key of KINDS
    q: str = ""  # model search: narrows the rows shown, not the table they are ranked in (tables.leaderboard)

    @classmethod
    def from_params(cls, params) -> Filters:
        return cls(**{f.name: params.get(f.name, "").strip() for f in fields(cls)})

    def apply(self, submissions: QuerySet[Submission]) -> QuerySet[Submission]:
        if self.family:
            submissions = submissions.filter(family=self.family)
        if self.size in SIZES:
            bounds = SIZES[self.size][1]
            if bounds is None:
                submissions = submissions.filter(Q(n_parameters__isnull=True) | Q(n_parameters=0))
            else:
                submissions = submissions.filter(n_parameters__gte=bounds[0])
                if bounds[1]:
                    submissions = submissions.filter(n_parameters__lt=bounds[1])
        if self.licence:
            submissions = submissions.filter(licence=self.licence)
        if self.open_weights == "yes":
            submissions = submissions.filter(OPEN_WEIGHTS)
        elif self.open_weights == "no":
            submissions = submissions.exclude(OPEN_WEIGHTS)
        if self.kind in KINDS:
            submissions = submissions.filter(is_reference=self.kind == "reference")
        return submissions

    def shows(self, name: str) -> bool:
        """The model search: the name holds q, case aside."""
        return self.q.casefold() in name.casefold()

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
