"""Template helpers for leaderboard tables."""
from django import template

register = template.Library()


@register.filter
def cell(row, column):
    """The row's cell in a dataset column, or None when the row has no result there."""
    return row.cells.get(column.dataset_id)


@register.filter
def score(value, digits=4):
    """A number with fixed digits; missing values as an en dash."""
    if value is None:
        return "–"
    return f"{value:.{int(digits)}f}"


@register.filter
def pvalue(value):
    if value is None:
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
    return "–" if n is None else f"{n / 1e6:.{int(digits)}f}"
