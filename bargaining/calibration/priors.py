"""Priors: what is believed about each assumed parameter before the observations, as data.

A priors file (TOML) gives, by the parameter's dotted path in the scenario (as in ``Scenario.sources``):

* ``[parameters."PATH"]``: ``uniform = [low, high]`` or ``triangular = [low, mode, high]``, a ``reason``, and
  ``perturb = false`` for a parameter drawn afresh from the prior for every run instead of searched by the SMC
  kernel (see ``abc``);
* ``[weights.CODE]`` (or ``[weights."CODE.congress"]``): a country's salience weights, drawn together from a
  Dirichlet distribution centred on the scenario's weights: ``concentration`` (larger: closer to them; a
  weight w has a standard deviation of sqrt(w (1 - w) / (concentration + 1))), a ``reason`` and ``perturb``
  (default false);
* ``[held]``: ``"PATH" = "reason"`` for assumed parameters kept at the scenario's value (a level, an integer,
  a rule outside the seeds); a path may end in ``*`` to hold every parameter under it.

A prior may only cover an assumed parameter (its source says "assum..."): what the seeds fix stays fixed.
:meth:`Priors.unaccounted` lists assumed parameters neither varied nor held, so nothing is left out silently.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import special

from ..errors import ScenarioError
from ..scenario import Scenario, validation_message
from ..scenario.load import read_toml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParameterPrior(_Strict):
    uniform: tuple[float, float] | None = None
    triangular: tuple[float, float, float] | None = None
    perturb: bool = Field(True, description="searched by the SMC kernel (else drawn afresh from the prior for "
                          "every run)")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> ParameterPrior:
        if (self.uniform is None) == (self.triangular is None):
            raise ValueError("expected exactly one of uniform = [low, high] or triangular = [low, mode, high]")
        lo, hi = self.bounds
        if not lo < hi or (self.triangular is not None and not lo <= self.triangular[1] <= hi):
            raise ValueError(f"expected low < high (and low <= mode <= high), found {self.uniform or self.triangular}")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.uniform[0], self.uniform[1]) if self.uniform else (self.triangular[0], self.triangular[2])

    def quantile(self, p: float) -> float:
        """The value below which a share ``p`` of the prior lies (the inverse distribution function)."""
        lo, hi = self.bounds
        if self.uniform is not None:
            return lo + (hi - lo) * p
        c = (self.triangular[1] - lo) / (hi - lo)
        return lo + (hi - lo) * (np.sqrt(c * p) if p <= c else 1 - np.sqrt((1 - c) * (1 - p)))


class WeightsPrior(_Strict):
    concentration: float = Field(gt=0, le=1e6, description="above 1e6 the draws are the scenario's weights to "
                                 "three digits, and the gamma quantiles lose precision")
    perturb: bool = False
    reason: str = Field(min_length=1)


class _File(_Strict):
    scenario: str | None = None
    description: str = ""
    parameters: dict[str, ParameterPrior] = {}
    weights: dict[str, WeightsPrior] = {}
    held: dict[str, str] = {}


@dataclass(frozen=True)
class Priors:
    """Checked priors for one scenario.

    Attributes:
        origin: File they came from.
        parameters: Dotted path -> its prior.
        weights: Owner (``US``, ``US.congress``) -> (issue names, the scenario's weights, concentration, reason).
        perturbed_weights: Owners whose weights the SMC kernel searches (``perturb = true``).
        held: Path or pattern -> reason.
        text: The file's text (it identifies a calibration, with the facts, settings and seed).
    """

    origin: str
    parameters: dict[str, ParameterPrior]
    weights: dict[str, tuple[tuple[str, ...], tuple[float, ...], float, str]]
    held: dict[str, str]
    text: str
    perturbed_weights: frozenset[str] = frozenset()

    @property
    def names(self) -> list[str]:
        """The names of the parameters the inference draws: every path, and a
        ``gamma.OWNER.ISSUE`` per weight."""
        return [*self.parameters, *(f"gamma.{owner}.{i}" for owner, (issues, *_) in self.weights.items()
                                    for i in issues)]

    @property
    def perturbed(self) -> list[str]:
        """The drawn parameters the SMC kernel searches (the others are drawn afresh from the prior for every run)."""
        return [*(n for n, p in self.parameters.items() if p.perturb),
                *(f"gamma.{owner}.{i}" for owner, (issues, *_) in self.weights.items()
                  if owner in self.perturbed_weights for i in issues)]

    @property
    def fresh(self) -> list[str]:
        """The drawn parameters taken afresh from the prior for every run: they are integrated out by simulation
        and keep the importance weights of ABC-SMC low-dimensional (see docs/calibration.md)."""
        perturbed = set(self.perturbed)
        return [n for n in self.names if n not in perturbed]

    @property
    def columns(self) -> list[str]:
        """The scenario parameters a draw sets (the override paths): every path and every weight."""
        return [*self.parameters, *(_weight_path(owner, i) for owner, (issues, *_) in self.weights.items()
                                    for i in issues)]

    def sample(self, n: int, rng: np.random.Generator) -> list[dict[str, float]]:
        """``n`` independent draws from the prior, as the inference draws them (see :meth:`overrides`)."""
        z = rng.standard_normal((n, len(self.names)))
        return [dict(zip(self.names, map(float, row), strict=True)) for row in z]

    def overrides(self, z: dict[str, float]) -> dict[str, float]:
        """The scenario parameters of one draw.

        The inference draws every parameter as a standard normal ``z`` (unbounded, so a perturbed draw is never
        outside the prior's support) and maps it through the prior's quantile function, ``F^-1(Phi(z))``: the
        result has the prior's distribution. A weight table is a Dirichlet(concentration x the scenario's
        weights) draw: independent gamma variables, normalised.
        """
        p = {name: float(special.ndtr(np.clip(z[name], -8, 8))) for name in self.names}
        out = {name: prior.quantile(p[name]) for name, prior in self.parameters.items()}
        for owner, (issues, mean, concentration, _) in self.weights.items():
            gammas = special.gammaincinv(concentration * np.array(mean), [p[f"gamma.{owner}.{i}"] for i in issues])
            w = gammas / gammas.sum() if gammas.sum() > 0 else np.full(len(issues), 1 / len(issues))
            for issue, value in zip(issues, w, strict=True):
                out[_weight_path(owner, issue)] = float(value)
        return out

    def as_override(self, overrides: dict[str, float]) -> dict:
        """:meth:`overrides` in the form ``Scenario.with_overrides`` takes: whole weight tables at once (an override
        of a single weight would rescale the others)."""
        out: dict = {path: v for path, v in overrides.items() if path in self.parameters}
        for owner, (issues, *_) in self.weights.items():
            out[f"countries.{owner}.weights"] = {i: overrides[_weight_path(owner, i)] for i in issues}
        return out

    def bounds(self) -> dict[str, tuple[float, float]]:
        """Range of each scenario parameter a draw sets (weights: [0, 1])."""
        out = {name: p.bounds for name, p in self.parameters.items()}
        out.update({_weight_path(owner, i): (0.0, 1.0) for owner, (issues, *_) in self.weights.items()
                    for i in issues})
        return out

    def unaccounted(self, scenario: Scenario) -> list[str]:
        """Assumed parameters of ``scenario`` that these priors neither vary nor hold."""
        covered = set(self.columns)
        return [path for path, source in scenario.sources.items()
                if _assumed(source) and path not in covered
                and not any(fnmatch.fnmatchcase(path, pattern) for pattern in self.held)]


def _weight_path(owner: str, issue: str) -> str:
    return f"countries.{owner}.weights.{issue}"


def _assumed(source: str) -> bool:
    return "assum" in source.lower()


def load_priors(path: str | Path, scenario: Scenario) -> Priors:
    """Read and check a priors file against ``scenario``.

    Raises:
        ScenarioError: One line naming the file, the key, what was expected and what was found (an unknown
            path, a prior on a parameter the seeds fix, a range the scenario rejects, ...).
    """
    origin = str(path)
    text, data = read_toml(Path(path), origin)
    try:
        spec = _File.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {validation_message(exc)}") from None
    for name, prior in spec.parameters.items():
        key = f"parameters.{name!r}"
        source = scenario.sources.get(name)
        if source is not None and not _assumed(source):
            raise ScenarioError(f"{origin}: {key}: expected an assumed parameter, found one the seeds fix "
                                f"(source: {source[:80]})")
        for value in prior.bounds:
            try:
                scenario.with_overrides({name: value})
            except ScenarioError as exc:
                raise ScenarioError(f"{origin}: {key}: the scenario rejects {value:g}: {exc}") from None
    weights = {}
    for owner, prior in spec.weights.items():
        code, _, table = owner.partition(".")
        country = scenario.raw["countries"].get(code)
        node = country if not table else (country or {}).get(table)
        if not isinstance(node, dict) or not isinstance(node.get("weights"), dict):
            raise ScenarioError(f"{origin}: weights.{owner}: expected a country code (or CODE.congress) with "
                                f"weights, one of {list(scenario.countries)}, found {owner!r}")
        issues = tuple(node["weights"])
        if any(node["weights"][i] <= 0 for i in issues):
            raise ScenarioError(f"{origin}: weights.{owner}: expected a scenario whose weights are all positive "
                                f"(a Dirichlet around them), found {node['weights']}")
        weights[owner] = (issues, tuple(float(node["weights"][i]) for i in issues), prior.concentration, prior.reason)
    return Priors(origin, dict(spec.parameters), weights, dict(spec.held), text,
                  frozenset(owner for owner, prior in spec.weights.items() if prior.perturb))
