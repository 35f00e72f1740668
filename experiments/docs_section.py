"""An experiment's results in a page of the docs: the text between a pair of markers, written again."""

import re
from collections.abc import Callable
from pathlib import Path


def write_section(page: str | Path, start: str, end: str, section: Callable[[str], str]) -> None:
    """Put ``section(old)`` (``old``: the page as it is) between the markers ``start`` and ``end`` of ``page``, the
    markers kept; a page without them is left as it is (SystemExit naming the page and the markers)."""
    page = Path(page)
    old = page.read_text()
    if start not in old:
        raise SystemExit(f"{page}: expected the markers {start} ... {end}, found none")
    text = section(old)
    page.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{text}\n{end}", old,
                           flags=re.S))
