"""Loading scenarios: bundled ones by name, TOML files by path, and the sources kept with every number.

Any number in a scenario file may be written as ``{ value = 0.55, source = "..." }``: the source (a seed file
name and a short quote, or ``assumption: <reason>``) is kept in ``Scenario.sources`` under the parameter's
dotted path.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from .case import Scenario, from_dict


def bundled() -> dict[str, str]:
    """Bundled scenario name -> one-line description."""
    out = {}
    for entry in sorted(resources.files("bargaining.scenarios").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text())
            out[entry.name.removesuffix(".toml")] = (data.get("description", "").strip().splitlines() or [""])[0]
    return out


def load_scenario(name_or_path: str | Path, overrides: list[str] | dict | None = None) -> Scenario:
    """Load a bundled scenario by name (``"nafta-2017"``) or a TOML file by path; validate; override.

    Raises:
        ScenarioError: With one message naming the file, the key, what was expected and what was found.
    """
    if not isinstance(name_or_path, str | Path):
        raise ScenarioError(f"scenario: expected a bundled scenario name or a path to a .toml file, "
                            f"found {name_or_path!r:.80}")
    path = Path(name_or_path)
    if path.suffix != ".toml" or not path.exists():
        names = bundled()
        if str(name_or_path) in names:
            path = resources.files("bargaining.scenarios") / f"{name_or_path}.toml"
        elif path.suffix == ".toml":
            raise ScenarioError(f"{name_or_path}: no such scenario file")
        else:
            raise ScenarioError(f"unknown scenario {str(name_or_path)!r}: expected a bundled scenario "
                                f"({', '.join(names)}) or a path to a .toml file")
    origin = str(name_or_path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{origin}: cannot read the file: {exc}") from None
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
