"""The ``bargaining`` command.

    bargaining scenarios                       bundled scenarios, one line each
    bargaining show SCENARIO [--json]          issues, positions, walk-away values, zone of agreement
    bargaining run SCENARIO [--seed N] [--set PATH=VALUE ...] [--json] [--plot FILE]
    bargaining strategies | tournament | sweep | report | app

One module per command (``show.py``, ``run.py``, ...); ``main.py`` builds the parser and maps user mistakes to
one line and exit code 2.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
