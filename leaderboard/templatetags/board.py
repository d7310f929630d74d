"""Template helpers for leaderboard tables."""
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _missing(value) -> bool:
    """None, or "" (what a template gives for a key a dict lacks, such as a run file's timings)."""
    return value is None or value == ""


@register.filter
def score(value, digits=4):
    """A number with fixed digits; missing values as an en dash."""
    if _missing(value):
        return "–"
    return f"{value:.{int(digits)}f}"


@register.filter
def percent(value):
    """A fraction as a whole percentage (0.083 -> 8%)."""
    return "–" if _missing(value) else f"{value * 100:.0f}%"


@register.filter
def pvalue(value):
    if _missing(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def params(n):
    """Parameter counts as 22M / 1.5B."""
    if not n:
        return "–"
    return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


@register.simple_tag(takes_context=True)
def sort_query(context, key):
    """Query string sorting by `key`; on the active column it flips the direction."""
    params = context["request"].GET.copy()
    key = str(key)
    params.pop("page", None)
    if params.get("sort", "mean") == key:
        params["dir"] = "asc" if context["descending"] else "desc"
    else:
        params.pop("dir", None)
    params["sort"] = key
    return "?" + params.urlencode()


@register.filter
def get_item(mapping, key):
    """mapping[key] for keys templates cannot spell ("ndcg@10")."""
    return (mapping or {}).get(key)


@register.filter
def megabytes(n, digits=2):
    return "–" if _missing(n) else f"{n / 1e6:.{int(digits)}f}"


@register.simple_tag
def score_cells(row, table, columns, details=False):
    """The row's cells of the shown dataset columns, built here rather than with template tags (a page has
    thousands); `details` writes each cell's interval and p-value under its score (no hovering needed).
    Cells hold only numbers we format, so no user text needs escaping."""
    digits = table.metric.digits
    return mark_safe("".join(_score_cell(row.cells.get(c.dataset_id), digits, details) for c in columns))


def _score_cell(found, digits: int, details: bool) -> str:
    if found is None:
        return '<td class="missing" title="not evaluated">–</td>'
    notes = []
    if found.ci:
        notes.append(f"95% CI {found.ci[0]:.4f}–{found.ci[1]:.4f}")
    if found.verdict and not found.best:  # the best's p-value against itself says nothing
        notes.append(escape(f"p (adjusted) vs best {pvalue(found.verdict.p_adjusted)}"))  # "< 0.001"
    tied = found.verdict is not None and found.verdict.tied
    value = f"{found.value:.{digits}f}"
    if found.best:
        value = f'<strong>{value}</strong><span class="visually-hidden"> (best)</span>'
    elif tied:
        value += '<span class="tie" aria-hidden="true">★</span>' \
                 '<span class="visually-hidden"> (tied with the best)</span>'
    if details:
        value += "".join(f'<span class="cell-details">{note}</span>' for note in notes)
    classes = "score" + (" best" if found.best else "") + (" tied-first" if tied else "")
    return f'<td class="{classes}" title="{"; ".join(notes)}">{value}</td>'
