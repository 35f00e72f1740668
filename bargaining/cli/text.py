"""Plain-text formatting for the command line: values with units, aligned tables."""

from __future__ import annotations


def fmt_value(issue, value) -> str:
    """A natural value with its unit, or a level label."""
    if value is None:
        return "-"
    if isinstance(value, list):  # a red line as unacceptable options
        return "not " + ", ".join(value)
    if issue.discrete:
        return str(value)
    if issue.unit == "US$":
        return f"US${value:,.0f}"
    return f"{value:.1f}{' ' + issue.unit if issue.unit else ''}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
