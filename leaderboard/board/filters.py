"""Filters of the leaderboard tables, read from and written back to the URL."""
from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Q, QuerySet

from leaderboard.models import Submission

SIZES = {  # label, bounds on n_parameters
    "none": ("no parameters (lexical) or unknown", None),
    "small": ("under 100M", (1, 10**8)),
    "medium": ("100M to 1B", (10**8, 10**9)),
    "large": ("over 1B", (10**9, None)),
}
KINDS = {"reference": "reference retrievers", "community": "community submissions"}


@dataclass(frozen=True)
class Filters:
    family: str = ""
    size: str = ""
    licence: str = ""
    open_weights: str = ""  # "yes" | "no"
    kind: str = ""  # a key of KINDS

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
        if self.open_weights in ("yes", "no"):
            submissions = submissions.filter(open_weights=self.open_weights == "yes")
        if self.kind in KINDS:
            submissions = submissions.filter(is_reference=self.kind == "reference")
        return submissions

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
