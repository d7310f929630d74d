"""The submission form: field types here; the rules (limits, archives, run files) in services.submit."""
from __future__ import annotations

import json
import uuid

from django import forms
from django.core.exceptions import ValidationError

from datasets_registry.catalog import load_catalog
from leaderboard.models import Family, Source
from runners.families import FAMILIES, PARAMS
from runners.specs import REFERENCE_SPECS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def dataset_choices() -> list[tuple[str, str]]:
    catalog = load_catalog()
    suites = [(name, f"suite: {label}") for name, label in catalog.suite_choices()]
    benchmarks = [(slug, f"benchmark: {b.name}") for slug, b in sorted(catalog.benchmarks.items())]
    datasets = [(key, f"{key} — {r.name}") for key, r in sorted(catalog.datasets.items())]
    return [("Suites", suites), ("Benchmarks", benchmarks), ("Datasets", datasets)]


def retriever_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(name, f"{name} ({spec.family})") for name, spec in REFERENCE_SPECS.items()]


# Parameters with a form field of their own (fusion runs are typed as text); the rest go in params_json.
FORM_PARAMS = ("pooling", "query_prefix", "passage_prefix", "max_length", "top_k", "method", "alpha", "k1", "b")


def _help(name: str) -> str:
    families = [f.name for f in FAMILIES.values() if name in f.params]
    return f"{PARAMS[name].help} ({', '.join(families)})"


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            target = field if field in self.fields else None
            prefix = "" if target or field == "__all__" else f"{field}: "
            for message in messages:
                self.add_error(target, f"{prefix}{message}")


class AboutForm(ServiceErrorsMixin, forms.Form):
    """The fields an owner can edit after submitting (services.EDITABLE_FIELDS)."""

    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    paper_url = forms.URLField(required=False, assume_scheme="https")
    code_url = forms.URLField(required=False, assume_scheme="https")
    licence = forms.CharField(max_length=100, required=False)
    is_public = forms.BooleanField(required=False, initial=True)


class SubmissionForm(AboutForm):
    # A new token each time the form is shown: the same form sent twice (the Back button) is one submission.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100,
                                      initial=lambda: uuid.uuid4().hex)
    family = forms.ChoiceField(choices=Family.choices)
    source = forms.ChoiceField(choices=[c for c in Source.choices if c[0] != Source.EXTERNAL],
                               help_text="where the model comes from (run files: choose 'Uploaded run files')")
    retriever = forms.ChoiceField(required=False, help_text="for a reference retriever")
    model_archive = forms.FileField(required=False,
                                    help_text="a .zip or .tar.gz of the folder written by save_pretrained(): "
                                              "config.json, model.safetensors, tokenizer files")
    model_id = forms.CharField(required=False, max_length=300, help_text="hub id, e.g. org/name (needs internet)")
    run_files = MultipleFileField(required=False,
                                  help_text="one TREC run per dataset, named <benchmark>__<dataset>.trec "
                                            "(e.g. classic-ir__adi.trec)")
    datasets = forms.MultipleChoiceField(required=False, help_text="datasets, benchmarks or suites to run")
    pooling = forms.ChoiceField(required=False, choices=[("", "from the model")] + [(p, p) for p in
                                                                                     PARAMS["pooling"].choices],
                                help_text=_help("pooling"))
    query_prefix = forms.CharField(required=False, max_length=200, strip=False, help_text=_help("query_prefix"))
    passage_prefix = forms.CharField(required=False, max_length=200, strip=False, help_text=_help("passage_prefix"))
    max_length = forms.IntegerField(required=False, min_value=PARAMS["max_length"].low,
                                    max_value=PARAMS["max_length"].high, help_text=_help("max_length"))
    top_k = forms.IntegerField(required=False, min_value=1, help_text=_help("top_k"))
    fusion_runs = forms.CharField(required=False, help_text=f"hybrid, comma-separated: {PARAMS['runs'].help}")
    method = forms.ChoiceField(required=False, choices=[("", "—")] + [(m, m) for m in PARAMS["method"].choices],
                               help_text=_help("method"))
    alpha = forms.FloatField(required=False, min_value=0, max_value=1, help_text=_help("alpha"))
    k1 = forms.FloatField(required=False, help_text=_help("k1"))
    b = forms.FloatField(required=False, help_text=_help("b"))
    params_json = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  label="Other parameters (JSON)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["datasets"].choices = dataset_choices()
        self.fields["retriever"].choices = retriever_choices()

    FIELDSETS = (
        ("About", ("name", "description", "paper_url", "code_url", "licence", "is_public")),
        ("Model", ("family", "source", "retriever", "model_archive", "model_id", "run_files")),
        ("Datasets", ("datasets",)),
        ("Parameters (optional)", (*FORM_PARAMS, "fusion_runs", "params_json")),
    )

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_params_json(self):
        text = self.cleaned_data["params_json"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ValidationError("a JSON object, e.g. {\"batch_size\": 32}")
        return value

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        params = dict(data.get("params_json") or {})
        for name in FORM_PARAMS:
            if data.get(name) not in (None, ""):
                params[name] = data[name]
        if data.get("fusion_runs"):
            params["runs"] = [r.strip() for r in data["fusion_runs"].split(",") if r.strip()]
        return {
            "name": data["name"], "description": data["description"], "paper_url": data["paper_url"],
            "code_url": data["code_url"], "licence": data["licence"], "family": data["family"],
            "source": data["source"], "retriever": data.get("retriever") or "", "model_id": data["model_id"],
            "model_archive": data.get("model_archive"), "run_files": data.get("run_files") or [],
            "datasets": data.get("datasets") or [], "params": params, "is_public": data["is_public"],
        }
