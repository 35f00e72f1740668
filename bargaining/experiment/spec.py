"""Experiment files: which scenario, which parameters to vary, how to sample them, how many replications.

An experiment is a TOML file (see ``experiments/*.toml``)::

    name = "threat_credibility"
    description = "What the sweep asks (the first line heads the report)."
    scenario = "nafta-2017"          # bundled name, or a path relative to the experiment file
    design = "grid"                  # grid | lhs | sobol
    replications = 20                # runs per parameter cell, each with its own seed
    seed = 20170816                  # master seed: per-run seeds come from numpy.random.SeedSequence
    set = { "threat.notice_rounds" = 6 }   # fixed overrides for every run (optional)

    [parameters.partners_belief]     # a name for the report ...
    paths = ["CA.belief", "MX.belief"]   # ... and the dotted override paths it sets (default: the name)
    levels = [0.0, 0.5, 1.0]         # grid levels (any TOML values), or
    # range = [0.0, 0.3]             # a range: sampled (lhs, sobol) or `steps` evenly spaced grid levels
    # steps = 7
    # integer = true                 # round sampled values (e.g. a round number)

    [quick]                          # a smaller version that runs in seconds (`--quick`)
    replications = 2
    steps = 3                        # at most this many grid levels per parameter
    samples = 16

    [report]
    metrics = ["deal", "withdrawal", "agreed.us_content"]   # outcome shares, or means of columns
    prim = "withdrawal"              # scenario discovery target (an outcome), or "" for none

Mistakes in the file raise :class:`ExperimentError` naming the file, key, what was expected and found.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..scenario import Scenario, ScenarioError, load_scenario, validation_message
from ..scenario.limits import parse_toml, read_text

#: What a run can record: the outcome itself is always recorded.
OUTCOME_GROUPS = ("outcome", "round", "agreement", "utilities", "walk_away", "distances")
#: Most parameter cells and runs of one experiment: a sweep keeps each cell's sampled values and a flag per run
#: in memory (at most about 100 MB).
MAX_CELLS, MAX_RUNS = 1_000_000, 10_000_000
#: Most metrics a report plots: a panel each, three a row, in every figure.
MAX_METRICS = 24


class ExperimentError(ScenarioError):
    """A user mistake in an experiment file: the message names file, key, expected and found."""


class _Strict(BaseModel):
    """Unknown keys are mistakes; numbers are finite, and a boolean or a string is not a number (strict mode)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParameterSpec(_Strict):
    """One swept parameter: grid ``levels``, or a ``range`` (sampled, or ``steps`` grid levels)."""

    paths: list[str] = Field(default_factory=list, description="dotted override paths it sets")
    levels: list[Any] | None = Field(None, max_length=MAX_CELLS)
    range: tuple[float, float] | None = Field(None, strict=False)  # a TOML array: a list, not a tuple
    steps: int | None = Field(None, ge=2, le=MAX_CELLS)
    integer: bool = False

    @model_validator(mode="after")
    def _check(self):
        if (self.levels is None) == (self.range is None):
            raise ValueError("expected exactly one of `levels` or `range`")
        if self.levels is not None:
            if not self.levels:
                raise ValueError("expected at least one level, found []")
            if self.steps is not None:
                raise ValueError("`steps` goes with `range`, not with `levels`")
        elif not self.range[0] < self.range[1]:
            raise ValueError(f"expected range = [low, high] with low < high, found {list(self.range)}")
        return self

    def grid_levels(self, max_levels: int | None = None) -> list[Any]:
        """The grid levels, thinned to at most ``max_levels`` evenly spread ones (first and last kept)."""
        if self.levels is not None:
            levels = list(self.levels)
        else:
            if self.steps is None:
                raise ValueError("a grid over a `range` needs `steps`")
            levels = [self.cast(v) for v in np.linspace(*self.range, self.steps)]
        if max_levels is not None and len(levels) > max_levels:
            picks = np.unique(np.round(np.linspace(0, len(levels) - 1, max_levels)).astype(int))
            levels = [levels[i] for i in picks]
        return levels

    def cast(self, value: Any) -> Any:
        """A plain Python value (int when ``integer``), as an override expects."""
        if isinstance(value, np.generic):
            value = value.item()
        if self.integer and isinstance(value, float):
            return int(round(value))
        return value

    @property
    def kind(self) -> str:
        """Column type: ``int``, ``float``, ``bool`` or ``str``."""
        if self.range is not None:
            return "int" if self.integer else "float"
        values = self.levels
        if all(isinstance(v, bool) for v in values):
            return "bool"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "int"
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return "float"
        return "str"


class QuickSpec(_Strict):
    replications: int | None = Field(None, ge=1, le=MAX_RUNS)
    steps: int | None = Field(None, ge=2, le=MAX_CELLS, description="at most this many grid levels per parameter")
    samples: int | None = Field(None, ge=2, le=MAX_CELLS)


class ReportSpec(_Strict):
    metrics: list[str] = Field(default_factory=lambda: ["deal", "withdrawal", "stalemate"], min_length=1,
                               max_length=MAX_METRICS, description="a panel each in the report's figures")
    prim: str = Field("withdrawal", description="outcome whose likely region PRIM looks for ('' for none)")
    prim_threshold: float = Field(0.5, gt=0, le=1, description="minimum density of a PRIM box")
    x: str | None = Field(None, description="parameter on the x axis of line plots and heatmaps")
    deadline: str | None = Field(None, description="parameter holding the deadline round (deadline effect)")


class ExperimentSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=100,
                      description="a plain file name: the default results folder is results/NAME")
    description: str = ""
    scenario: str
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(None, ge=2, le=MAX_CELLS,
                                description="lhs: points; sobol: base sample size N (power of 2)")
    replications: int = Field(1, ge=1, le=MAX_RUNS)
    seed: int = Field(0, ge=0, lt=2**128)
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides for every run")
    outcomes: list[str] = Field(default_factory=lambda: [g for g in OUTCOME_GROUPS if g != "distances"],
                                description="groups to record; `distances` (efficiency of a deal) costs about "
                                "a microsecond per distinct deal with linear values, an LP per deal otherwise")
    batch: int | None = Field(None, ge=1, le=MAX_RUNS,
                          description="most runs per task: whole cells, or parts of one (default: from the sweep size)")
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    quick: QuickSpec = QuickSpec()
    report: ReportSpec = ReportSpec()

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, outcomes):
        for name in outcomes:
            if name not in OUTCOME_GROUPS:
                raise ValueError(f"expected names from {list(OUTCOME_GROUPS)}, found {name!r}")
        return outcomes

    @model_validator(mode="after")
    def _check(self):
        for name, p in self.parameters.items():
            if not p.paths:
                p.paths = [name]
            if self.design == "grid" and p.range is not None and p.steps is None:
                raise ValueError(f"parameters.{name}: a grid over a range needs `steps`, found none")
        for key in ("x", "deadline"):
            name = getattr(self.report, key)
            if name is not None and name not in self.parameters:
                raise ValueError(f"report.{key}: expected one of the parameters {list(self.parameters)}, "
                                 f"found {name!r}")
        if self.design != "grid" and self.samples is None:
            raise ValueError(f"design {self.design!r} needs `samples`, found none")
        if self.design == "sobol":
            for n in (self.samples, self.quick.samples):
                if n is not None and n & (n - 1):
                    raise ValueError(f"sobol `samples` must be a power of 2, found {n}")
        return self


class Experiment:
    """A validated experiment: the spec, the base scenario, and whether it is the ``--quick`` version.

    Args:
        spec: The validated spec.
        scenario: The base scenario with the fixed overrides (``set``) applied.
        origin: File it came from (for messages).
        quick: Use the ``[quick]`` settings.
    """

    def __init__(self, spec: ExperimentSpec, scenario: Scenario, origin: str, quick: bool = False):
        self.spec, self.scenario, self.origin, self.quick = spec, scenario, origin, quick

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replications(self) -> int:
        return (self.quick and self.spec.quick.replications) or self.spec.replications

    @property
    def samples(self) -> int | None:
        return (self.quick and self.spec.quick.samples) or self.spec.samples

    @property
    def max_levels(self) -> int | None:
        return self.spec.quick.steps if self.quick else None

    @property
    def parameters(self) -> dict[str, ParameterSpec]:
        return self.spec.parameters

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs' results (for ``--resume``)."""
        payload = {"spec": self.spec.model_dump(mode="json", exclude={"report"}), "quick": self.quick,
                   "scenario": self.scenario.raw}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def to_json(self) -> dict:
        return {"origin": self.origin, "quick": self.quick, "spec": self.spec.model_dump(mode="json"),
                "scenario": self.scenario.name, "fingerprint": self.fingerprint()}


def load_experiment(path: str | Path, quick: bool = False) -> Experiment:
    """Load and validate an experiment file; check its scenario and every parameter path and level.

    Raises:
        ExperimentError: With one message naming the file, the key, what was expected and what was found.
    """
    if not isinstance(path, str | Path):
        raise ExperimentError(f"experiment: expected a path to a .toml file, found {path!r:.80}")
    path = Path(path)
    origin = str(path)
    try:
        raw = parse_toml(read_text(path, origin), origin)
    except FileNotFoundError:
        raise ExperimentError(f"{origin}: no such experiment file") from None
    except ScenarioError as exc:  # too large, not TOML, nested too deep
        raise ExperimentError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{origin}: cannot read the file: {exc}") from None
    return from_dict(raw, origin, base=path.parent, quick=quick)


def from_dict(raw: dict, origin: str = "<experiment>", base: Path | None = None, quick: bool = False) -> Experiment:
    """Validate a plain experiment dict (see :func:`load_experiment`)."""
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise ExperimentError(f"{origin}: {validation_message(exc, raw)}") from None
    scenario_path = spec.scenario
    if base is not None and not Path(scenario_path).is_absolute() and \
            (scenario_path.endswith(".toml") or (base / scenario_path).is_dir()):  # a file or a Genius folder
        scenario_path = str(base / scenario_path)
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        raise ExperimentError(f"{origin}: scenario: {exc}") from None
    try:
        scenario = scenario.with_overrides(spec.set)
    except ScenarioError as exc:
        raise ExperimentError(f"{origin}: set: {exc}") from None
    if "distances" in spec.outcomes:
        try:
            scenario.check_exact_search()
        except ScenarioError as exc:
            raise ExperimentError(f"{origin}: outcomes: distances: {exc}") from None
    experiment = Experiment(spec, scenario, origin, quick)
    _check_parameters(experiment)
    return experiment


def _check_parameters(experiment: Experiment) -> None:
    """Every path of every parameter, with each grid level (or both ends of its range), must be a valid
    override of the scenario; checked once, before any run."""
    for name, p in experiment.parameters.items():
        values = p.grid_levels() if p.levels is not None else [p.cast(p.range[0]), p.cast(p.range[1])]
        if p.range is not None and p.integer:
            values = [int(np.ceil(p.range[0])), int(np.floor(p.range[1]))]
        for value in values:
            try:
                experiment.scenario.with_overrides({path: value for path in p.paths})
            except ScenarioError as exc:
                raise ExperimentError(f"{experiment.origin}: parameters.{name} = {value!r}: {exc}") from None
