"""``bargaining scenarios``: the bundled scenarios, one line each."""

from __future__ import annotations

from ..scenario import bundled


def cmd_scenarios(args) -> None:
    for name, description in bundled().items():
        print(f"{name:<16} {description}")
