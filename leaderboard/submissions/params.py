"""Family parameters a submitter may set, checked against the family records (validated, never passed raw)."""
from __future__ import annotations

from django.core.exceptions import ValidationError

from runners.families import FAMILIES, PARAMS, SUBMISSION_PARTNER
from runners.specs import REFERENCE_SPECS


def _unknown_partners(runs: list[str]) -> list[str]:
    """Runs that are neither a reference retriever to fuse nor a submission (checked against the owner later)."""
    return [r for r in runs if not r.startswith(SUBMISSION_PARTNER)
            and (r not in REFERENCE_SPECS or REFERENCE_SPECS[r].family == "hybrid")]


def clean_params(family: str, raw: dict | None) -> dict:
    """Typed, bounded parameters for the family; ValidationError({'params': [...]}) otherwise."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"params": ["parameters must be a JSON object, e.g. {\"pooling\": \"mean\"}"]})
    allowed = FAMILIES[family].params if family in FAMILIES else ()
    errors, cleaned = [], {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if name not in allowed:
            hint = ", ".join(allowed) or "none"
            errors.append(f"{name!r} is not a parameter of the {family} family (allowed: {hint})")
            continue
        try:
            cleaned[name] = PARAMS[name].coerce(value)
        except (TypeError, ValueError) as exc:
            errors.append(f"{name}: {exc or 'invalid value'}")
    if "top_k" in cleaned:
        top_k = cleaned.pop("top_k")
        cleaned.setdefault("doc_top_k", top_k)
        cleaned.setdefault("query_top_k", top_k)
    if "runs" in cleaned:
        runs = cleaned["runs"]
        if len(runs) < 2:
            errors.append("runs: hybrid fusion needs at least two partners")
        if _unknown_partners(runs):
            known = ", ".join(n for n, s in REFERENCE_SPECS.items() if s.family != "hybrid")
            errors.append(f"runs: unknown fusion partner(s) {', '.join(_unknown_partners(runs))}; choose from "
                          f"{known}, or {SUBMISSION_PARTNER}<slug>")
    if errors:
        raise ValidationError({"params": errors})
    return cleaned
