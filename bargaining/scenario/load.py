"""Loading scenarios: bundled ones by name, TOML files by path, Genius and GeniusWeb folders, and the sources
kept with every number.

Any number in a scenario file may be written as ``{ value = 0.55, source = "..." }``: the source (a seed file
name and a short quote, or ``assumption: <reason>``) is kept in ``Scenario.sources`` under the parameter's
dotted path; :func:`dump_toml` writes them back that way.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError

from ..errors import ScenarioError
from . import genius, geniusweb
from .case import Scenario, from_dict
from .checks import validation_message
from .limits import parse_toml, read_text
from .schema import RuleSpec


def read_toml(path, origin: str) -> tuple[str, dict]:
    """A TOML file's text and its data; ScenarioError naming ``origin`` if it cannot be read or parsed, or is too
    large or too deeply nested (limits.py)."""
    try:
        text = read_text(Path(path), origin)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScenarioError(f"{origin}: cannot read the file: {reason}") from None
    return text, parse_toml(text, origin)


def bundled() -> dict[str, str]:
    """Bundled scenario name -> one-line description (the other bundled files, such as a calibration's
    observations and priors, have no ``countries``)."""
    out = {}
    for entry in sorted(resources.files("bargaining.scenarios").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text())
            if "countries" in data:
                out[entry.name.removesuffix(".toml")] = (data.get("description", "").strip().splitlines() or [""])[0]
    return out


def load_scenario(name_or_path: str | Path, overrides: list[str] | dict | None = None) -> Scenario:
    """Load a bundled scenario by name (``"nafta-2017"``), a TOML file by path, or a Genius or GeniusWeb
    folder (docs/formats.md); validate; override.

    Raises:
        ScenarioError: With one message naming the file, the key, what was expected and what was found.
    """
    if not isinstance(name_or_path, str | Path):
        raise ScenarioError(f"scenario: expected a bundled scenario name or a path to a .toml file, "
                            f"found {name_or_path!r:.80}")
    path = Path(name_or_path)
    if path.is_dir():
        raw, sources = read_folder(path)
        return from_dict(raw, str(name_or_path), sources).with_overrides(overrides)
    if path.suffix != ".toml" or not path.exists():
        names = bundled()
        if str(name_or_path) in names:
            path = resources.files("bargaining.scenarios") / f"{name_or_path}.toml"
        elif path.suffix == ".toml":
            raise ScenarioError(f"{name_or_path}: no such scenario file")
        else:
            raise ScenarioError(f"unknown scenario {str(name_or_path)!r}: expected a bundled scenario "
                                f"({', '.join(names)}), a path to a .toml file or a Genius or GeniusWeb folder")
    origin = str(name_or_path)
    _, data = read_toml(path, origin)
    sources: dict[str, str] = {}
    raw = _strip_sources(data, (), sources)
    return from_dict(raw, origin, sources).with_overrides(overrides)


def _strip_sources(node: Any, path: tuple[str, ...], sources: dict[str, str]) -> Any:
    """Replace every ``{value = ..., source = "..."}`` by its value, keeping the source by dotted path."""
    if isinstance(node, dict):
        if set(node) == {"value", "source"}:
            sources[".".join(path)] = str(node["source"])
            return node["value"]
        return {k: _strip_sources(v, (*path, k), sources) for k, v in node.items()}
    if isinstance(node, list):  # arrays of tables ([[events]])
        return [_strip_sources(v, (*path, str(n)), sources) for n, v in enumerate(node)]
    return node


def read_folder(folder: Path) -> tuple[dict, dict[str, str]]:
    """A Genius (``*.xml``) or GeniusWeb (``*.json``) folder -> (scenario dict, sources by dotted path), with the
    decision rule of its ``RULE_FILE`` if it has one."""
    xml, json = any(folder.glob("*.xml")), any(folder.glob("*.json"))
    if xml == json:
        raise ScenarioError(f"{folder}: expected a Genius folder (XML files) or a GeniusWeb folder (JSON files), "
                            f"found {'both' if xml else 'neither'}")
    raw, sources = (genius if xml else geniusweb).read(folder)
    if (folder / RULE_FILE).is_file():
        raw["protocol"]["rule"] = read_rule(folder / RULE_FILE, list(raw["countries"]))
        sources["protocol.rule"] = f"{RULE_FILE}: the decision rule, which the {'Genius' if xml else 'GeniusWeb'} " \
                                   "files cannot say"
    return raw, sources


#: The file beside exported Genius or GeniusWeb files that keeps the decision rule (docs/formats.md).
RULE_FILE = "bargaining-rule.toml"


def read_rule(path: Path, countries: list[str]) -> dict:
    """The decision rule of a ``RULE_FILE``: ``rule = "unanimity"`` or ``rule = { at_least = K, veto = [...] }``,
    naming the folder's parties (``protocol.rule`` of a scenario file)."""
    origin = str(path)
    _, data = read_toml(path, origin)
    if set(data) != {"rule"}:
        extra = sorted(set(data) - {"rule"})
        raise ScenarioError(f"{origin}: {extra[0]}: unknown key (found {data[extra[0]]!r})" if extra else
                            f"{origin}: rule: required but missing")
    try:
        rule = RuleSpec.model_validate(data["rule"])
    except ValidationError as exc:
        key, _, message = validation_message(exc, data["rule"]).partition(": ")
        raise ScenarioError(f"{origin}: rule{'' if key == 'scenario' else '.' + key}: {message}") from None
    for n, code in enumerate(rule.veto):
        if code not in countries:
            raise ScenarioError(f"{origin}: rule.veto.{n}: expected one of {countries} (the folder's parties), "
                                f"found {code!r}")
    if rule.at_least is not None and rule.at_least > len(countries):
        raise ScenarioError(f"{origin}: rule.at_least: expected at most {len(countries)} (the folder's parties), "
                            f"found {rule.at_least}")
    return data["rule"] if isinstance(data["rule"], dict) else {}


def dump_toml(raw: dict, sources: dict[str, str]) -> str:
    """A scenario dict as TOML, each number with a source written as ``{ value = ..., source = "..." }``."""
    def attach(node: Any, path: tuple[str, ...]) -> Any:
        key = ".".join(path)
        if key in sources:
            sourced = tomlkit.inline_table()
            sourced.update({"value": node, "source": sources[key]})
            return sourced
        if isinstance(node, dict):
            return {k: attach(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
            return [attach(v, (*path, str(n))) for n, v in enumerate(node)]
        return node

    return tomlkit.dumps(attach(raw, ()))
