"""Template helpers for leaderboard tables."""
from django import template
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
def score_cells(row, table):
    """The row's dataset cells, built here rather than with template tags (a page has thousands).
    Cells hold only numbers we format, so no user text needs escaping."""
    digits = table.metric.digits
    return mark_safe("".join(_score_cell(row.cells.get(c.dataset_id), digits) for c in table.columns))


def _score_cell(found, digits: int) -> str:
    if found is None:
        return '<td class="missing" title="not evaluated">–</td>'
    notes = f"95% CI {found.ci[0]:.4f}–{found.ci[1]:.4f}" if found.ci else ""
    tied = found.verdict is not None and found.verdict.tied
    if found.verdict:
        notes += f"; p (adjusted) vs best {pvalue(found.verdict.p_adjusted)}"
    star = '<span class="tie" aria-label="tied for first">★</span>' if tied else ""
    return f'<td class="score{" tied-first" if tied else ""}" title="{notes}">{found.value:.{digits}f}{star}</td>'
