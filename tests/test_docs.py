"""Docs that cannot go stale: the examples in README.md and docs/*.md run, and show what they print.

In each page's fenced code blocks, in order, in a fresh folder holding a link to ``experiments/``:

* ``$ bargaining ...``: the command runs through the command line's ``main``; the lines after it (up to the next
  ``$`` line or the end of the block) are what it prints, stdout then stderr (``...`` stands for any text,
  doctest's ELLIPSIS);
* any other line that starts with ``bargaining``: a usage line; its subcommand and options must exist;
* a ``python`` block with ``>>>`` lines is a doctest (ELLIPSIS); any other ``python`` block runs, as a script;
* a ``toml`` block must parse; one whose first line is ``# NAME.toml`` is written to that file for the commands
  after it;
* in other blocks, a first word that looks like a path in the repository (``bargaining/offers.py``, ``tests/``)
  must exist.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from bargaining.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
CHECKER = doctest.OutputChecker()


def blocks(page: Path):
    """(info string, first line number, lines) of each fenced code block."""
    info, start, lines = None, 0, []
    for number, line in enumerate(page.read_text().splitlines(), 1):
        fence = FENCE.match(line)
        if fence and info is None:
            info, start, lines = fence.group(1), number + 1, []
        elif line.startswith("```") and info is not None:
            yield info, start, lines
            info = None
        elif info is not None:
            lines.append(line)


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def commands(where: str, lines: list[str]) -> None:
    """The ``$`` commands of a block, with their shown output, and its usage lines."""
    n = 0
    while n < len(lines):
        line = lines[n].strip()
        n += 1
        if line.startswith("$ bargaining "):
            want = []
            while n < len(lines) and not lines[n].startswith("$ "):
                want.append(lines[n])
                n += 1
            code, got = run_cli(shlex.split(line[2:], comments=True)[1:])
            want_text = "\n".join(want).strip("\n") + "\n"
            assert code in (0, 2), f"{where}: {line}: exit {code}\n{got}"
            if not CHECKER.check_output(want_text, got, doctest.ELLIPSIS):
                raise AssertionError(f"{where}: {line}\nshown:\n{want_text}\nprinted:\n{got}")
        elif line.startswith("bargaining "):
            try:
                with contextlib.redirect_stderr(io.StringIO()) as err:
                    build_parser().parse_args(shlex.split(line, comments=True)[1:])
            except SystemExit:
                raise AssertionError(f"{where}: {line}: {err.getvalue().strip().splitlines()[-1]}") from None
        elif re.match(r"^(bargaining|tests|docs|benchmarks|experiments|notebooks)/\S*(\.py|/)$", line.split(" ")[0]):
            assert (ROOT / line.split(" ")[0]).exists(), f"{where}: {line.split(' ')[0]} does not exist"


def python(where: str, lines: list[str], globs: dict, start: int, page: Path) -> None:
    text = "\n".join(lines) + "\n"
    if ">>>" not in text:
        exec(compile(text, where, "exec"), globs)
        return
    test = doctest.DocTestParser().get_doctest(text, globs, where, str(page), start - 1)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.write, clear_globs=False)
    assert runner.failures == 0, report.getvalue()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_run_and_show_what_they_print(page, tmp_path, monkeypatch):
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    monkeypatch.chdir(tmp_path)
    globs = {"__name__": "__main__"}
    for info, start, lines in blocks(page):
        where = f"{page.relative_to(ROOT)}:{start}"
        if info == "python":
            python(where, lines, globs, start, page)
        elif info == "toml":
            tomllib.loads("\n".join(lines))
            named = re.match(r"^#\s*(\S+\.toml)\s*$", lines[0]) if lines else None
            if named:
                (tmp_path / named.group(1)).write_text("\n".join(lines) + "\n")
        elif info in ("", "sh", "console"):
            commands(where, lines)
