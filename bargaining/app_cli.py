"""``bargaining app``: serve the SolaraViz explorer and the classroom seat (``bargaining/app.py``).

Kept apart from ``app.py`` so that the command line starts without importing solara.
"""

from __future__ import annotations

import os
import sys


def register(subparsers) -> None:
    """``bargaining app [--host H] [--port N]``."""
    p = subparsers.add_parser("app", help="serve the interactive explorer and classroom seat in a browser")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.set_defaults(func=serve)


def command(host: str, port: int) -> list[str]:
    """The solara command that serves the app."""
    return [sys.executable, "-m", "solara", "run", "bargaining.app:Page", "--host", host, "--port", str(port),
            "--production", "--no-open", "--log-level", "warning"]


def serve(args) -> None:
    """Print the URL, then become the solara server (signals such as Ctrl-C go straight to it)."""
    import importlib.util

    from .errors import UsageError

    for module in ("solara", "solara_assets", "mesa.visualization"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            raise UsageError(f"the app needs the teaching extra ({module} is missing): "
                             "pip install -e '.[teaching]'")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port: expected a port number in 1..65535, found {args.port}")
    print(f"bargaining app: serving on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    cmd = command(args.host, args.port)
    os.execv(cmd[0], cmd)
