"""``bargaining class``: the class store from the command line (no server needed).

    bargaining class list [--db FILE]
    bargaining class export CLASS --out DIR [--db FILE]
"""

from __future__ import annotations

from pathlib import Path


def add_db_option(p) -> None:
    p.add_argument("--db", metavar="FILE", default=None,
                   help="the class store (SQLite; default classroom.sqlite in your data directory)")


def register(subparsers) -> None:
    p = subparsers.add_parser("class", help="classes of the classroom app: list them, export one")
    sub = p.add_subparsers(dest="class_command", required=True, metavar="ACTION")
    q = sub.add_parser("list", help="every class in the store: code, scenario, tables, open or closed")
    add_db_option(q)
    q.set_defaults(func=cmd_list)
    q = sub.add_parser("export", help="a class's transcript (CSV, JSON), debrief table and figure")
    q.add_argument("code", metavar="CLASS", help="the class's join code")
    q.add_argument("--out", metavar="DIR", required=True, help="folder to write the files to")
    add_db_option(q)
    q.set_defaults(func=cmd_export)


def open_store(db: str | None, must_exist: bool = True):
    """The store at ``db`` (default path when None).

    Raises:
        UsageError: ``must_exist`` and there is no file there (nothing is created).
    """
    from ..errors import UsageError
    from .store import Store, default_path

    path = Path(db) if db else default_path()
    if must_exist and not path.is_file():
        raise UsageError(f"--db {path}: no class store there (the app creates it when it first starts)")
    return Store(path)


def cmd_list(args) -> None:
    store = open_store(args.db)
    for c in store.classes():
        state = f"closed {c.closed}" if c.closed else "open"
        print(f"{c.code}  {c.scenario.name}  {c.tables} table(s), students in {', '.join(c.students)}  "
              f"created {c.created}  {state}  {c.title}")


def cmd_export(args) -> None:
    from ..errors import UsageError
    from .export import export_class
    from .service import normalise_code

    store = open_store(args.db)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder, found a file")
    try:
        paths = export_class(store, normalise_code(args.code), out)
    except KeyError:
        raise UsageError(f"class {args.code!r}: no such class in {store.path} (bargaining class list shows "
                         "them)") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write: {exc}") from None
    for path in paths:
        print(path)
