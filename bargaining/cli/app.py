"""``bargaining app``: serve the explorer, the practice seat, classes and the instructor's page (``bargaining/app/``).

Kept apart from ``app/`` so that the command line starts without importing solara. Safe by default: the app
listens on 127.0.0.1 (this machine only); serving a classroom network takes an explicit ``--host``. The
instructor's token is drawn anew at each start (or taken from ``BARGAINING_TOKEN``) and printed with the
instructor's link; classes live in the store (``--db``), so a restarted app resumes every table.
"""

from __future__ import annotations

import os
import socket
import sys

#: Solara reports usage to Mixpanel unless told not to (its telemetry settings, read from the environment).
QUIET = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def register(subparsers) -> None:
    """``bargaining app [--host H] [--port N] [--db FILE]``."""
    p = subparsers.add_parser("app", help="serve the explorer, the practice seat and classes in a browser")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for a classroom "
                        "network)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--db", metavar="FILE", default=None,
                   help="the class store (SQLite; default classroom.sqlite in your data directory)")
    p.set_defaults(func=serve)


def command(host: str, port: int) -> list[str]:
    """The solara command that serves the app, without solara's check for a newer version on PyPI."""
    return [sys.executable, "-m", "solara", "run", "bargaining.app:Page", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def serve(args) -> None:
    """Check the options, open (or create) the class store, print the URLs and the token, then become the solara
    server (signals such as Ctrl-C go straight to it) with its telemetry off (``QUIET``)."""
    import importlib.util

    from ..classroom.service import new_token
    from ..classroom.store import Store, default_path
    from ..errors import UsageError

    for module in ("solara", "solara_assets"):
        if importlib.util.find_spec(module) is None:
            raise UsageError(f"the app needs the teaching extra ({module} is missing): "
                             "pip install -e '.[teaching]'")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port: expected a port number in 1..65535, found {args.port}")
    try:  # fail here, in one line, rather than in the server
        family = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((args.host, args.port), family=family).close()
    except OSError as exc:
        raise UsageError(f"--host {args.host} --port {args.port}: cannot serve there: {exc.strerror or exc}") from None
    db = os.path.abspath(args.db) if args.db else str(default_path())
    try:
        Store(db).close()
    except UsageError as exc:
        raise UsageError(f"--db {exc}") from None
    token = os.environ.get("BARGAINING_TOKEN") or new_token()
    url = f"http://{args.host}:{args.port}/"
    print(f"bargaining app: serving on {url}  (Ctrl-C to stop)", flush=True)
    print(f"  instructor: {url}?token={token}\n  class store: {db}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"  listening on {args.host}: anyone who can reach this machine can open the app; joining a class "
              "needs its code, the instructor's page the token", flush=True)
    os.environ.update(BARGAINING_DB=db, BARGAINING_TOKEN=token)
    cmd = command(args.host, args.port)
    os.execve(cmd[0], cmd, {**os.environ, **QUIET})
