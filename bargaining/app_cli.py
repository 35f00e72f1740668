"""``bargaining app``: serve the SolaraViz explorer and the classroom seat (``bargaining/app.py``).

Kept apart from ``app.py`` so that the command line starts without importing solara.
"""

from __future__ import annotations

import os
import socket
import sys

#: Solara reports usage to Mixpanel unless told not to (its telemetry settings, read from the environment).
QUIET = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def register(subparsers) -> None:
    """``bargaining app [--host H] [--port N]``."""
    p = subparsers.add_parser("app", help="serve the interactive explorer and classroom seat in a browser")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.set_defaults(func=serve)


def command(host: str, port: int) -> list[str]:
    """The solara command that serves the app, without solara's check for a newer version on PyPI."""
    return [sys.executable, "-m", "solara", "run", "bargaining.app:Page", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def serve(args) -> None:
    """Print the URL, then become the solara server (signals such as Ctrl-C go straight to it), with its
    telemetry off (``QUIET``)."""
    import importlib.util

    from .errors import UsageError

    for module in ("solara", "solara_assets", "mesa.visualization"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            raise UsageError(f"the app needs the teaching extra ({module} is missing): "
                             "pip install -e '.[teaching]'")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port: expected a port number in 1..65535, found {args.port}")
    try:  # fail here, in one line, rather than in the server
        family = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((args.host, args.port), family=family).close()
    except OSError as exc:
        raise UsageError(f"--host {args.host} --port {args.port}: cannot serve there: {exc.strerror or exc}") from None
    print(f"bargaining app: serving on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    cmd = command(args.host, args.port)
    os.execve(cmd[0], cmd, {**os.environ, **QUIET})
