"""Likelihood-free inference of a scenario's assumed parameters from dated facts: ABC-SMC with pyabc.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009; Del Moral, Doucet & Jasra 2012;
pyabc: Schälte et al. 2022). Generation 0 draws parameter sets from the prior and keeps them all (epsilon is
infinite): it is the prior predictive sample. Each later generation perturbs the last one's accepted sets
(a multivariate normal kernel fitted to them) and accepts a set when its run lies within epsilon of the facts,
epsilon being the weighted median distance of the generation before.

The distance of a run to the facts is the weighted mean of the facts' misses (``Observations.misses``: 0 when a
fact is reproduced). :func:`simulate` is the one function that turns a parameter set and a seed into those
misses: a faster batch engine replaces it there.

Reproducible on every executor: candidate ``i`` of generation ``t`` draws its parameters and its run's seed
from ``SeedSequence([seed, t + 1, i])``, candidates are evaluated in chunks on any executor, and the first
``population`` accepted candidates *in candidate order* form the generation, exactly as a serial loop would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import warnings
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pyabc
import pyarrow as pa
import pyarrow.parquet as pq
from pyabc.sampler import Sampler
from scipy import stats
from tqdm import tqdm

from ..errors import ScenarioError, UsageError
from ..experiment.executors import Backend, open_executor
from ..files import write_text, write_whole
from ..parameter_sets import sets_of
from ..scenario import Scenario, from_dict
from ..simulate import Replications, run, run_variants
from .observations import Observations
from .priors import Priors

MANIFEST = "calibration.json"
#: Candidates per task, at least and at most: a task runs its candidates as one batch (``_evaluate``), and the
#: sampler sizes each task to the candidates a generation still seems to need (``_chunk``).
CHUNK = (8, 128)
#: Most accepted sets per generation and most generations: pyabc keeps every generation's sets and distances in
#: memory and in abc.db, and 10^5 sets of NAFTA's runs already take hours (200 by default).
MAX_POPULATION, MAX_GENERATIONS = 100_000, 1_000


@dataclass(frozen=True)
class Problem:
    """What to calibrate: a scenario, the facts, the priors over its assumptions."""

    scenario: Scenario
    observations: Observations
    priors: Priors

    def weights(self) -> np.ndarray:
        return self.observations.weights()


def simulate(problem: Problem, overrides: dict[str, float], seed: int) -> np.ndarray:
    """The misses of the facts used (``Observations.misses``) for one parameter set and seed.

    Args:
        problem: Scenario, observations and priors.
        overrides: The scenario parameters of the set, by path (``Priors.overrides``).
        seed: The run's seed.

    Returns:
        One miss per fact used, in [0, 1]; all 1 when the scenario rejects the parameter set.
    """
    try:
        scenario = problem.scenario.with_overrides(problem.priors.as_override(overrides))
    except ScenarioError:
        return np.ones(len(problem.observations.used))
    return problem.observations.misses(run(scenario, seed=seed, record=True))


def simulate_batch(problem: Problem, draws: list[dict[str, float]], seeds: list[int]) -> np.ndarray:
    """The misses of the facts used for many parameter sets, one seed each: row ``i`` is exactly
    ``simulate(problem, draws[i], seeds[i])``, whatever the batch's size, order or company.

    Args:
        problem: Scenario, observations and priors.
        draws: The scenario parameters of each set, by path (``Priors.overrides``).
        seeds: One run seed per set.

    Returns:
        An (n, facts used) array of misses in [0, 1].
    """
    ok, batch = run_sets(problem, draws, seeds)
    misses = np.ones((len(draws), len(problem.observations.used)))
    if batch is not None:
        misses[ok] = problem.observations.batch_misses(batch)
    return misses


def run_sets(problem: Problem, draws: list[dict[str, float]], seeds: list[int]
             ) -> tuple[np.ndarray, Replications | None]:
    """Run parameter sets, one seed each, as one heterogeneous batch (``run_variants``), keeping the offers of
    the rounds of the facts used (``Replications.offers``).

    Returns:
        The indices of the sets the scenario accepts, and their replications in that order (None if none is
        accepted); a rejected set (``ScenarioError``) is left out and the others run.
    """
    if len(draws) != len(seeds):
        raise ValueError(f"expected one seed per parameter set, found {len(seeds)} for {len(draws)}")
    if not draws:
        return np.zeros(0, dtype=int), None
    table = [problem.priors.as_override(d) for d in draws]
    columns = {path: [row[path] for row in table] for path in table[0]}
    sets, which, failed = sets_of(problem.scenario, columns, len(draws), errors=True)
    for exc in failed.values():  # a rejected set is left out; anything else is a fault, raised as simulate would
        if not isinstance(exc, ScenarioError):
            raise exc
    ok = np.array([r for r in range(len(draws)) if r not in failed], dtype=int)
    if not len(ok):
        return ok, None
    obs = problem.observations
    rounds = sorted({obs.rounds[n] for n in obs.used})
    return ok, run_variants(problem.scenario, [int(seeds[r]) for r in ok], sets, which[ok], rounds)


def distance(misses: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean miss: 0 when every fact is reproduced, 1 when none is (products summed by numpy, not BLAS:
    the same bits on every CPU)."""
    return float((misses * weights).sum() / weights.sum())


class _Drawn(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by the model in the first pass of :func:`_evaluate`: the candidate's draw is kept, its run waits."""


#: What the model does in this thread while :func:`_evaluate` runs a task's candidates: ``draws`` (a list) keeps
#: each candidate's (problem, overrides, seed) and stops it (``_Drawn``); ``misses`` (an iterator) gives each
#: candidate the misses its batch computed. Neither: the model runs the candidate itself (:func:`simulate`).
_PASS = threading.local()


class _Model:
    """The pyabc model: a draw of the perturbed parameters -> the facts' misses, the seed of the run and the
    draw of the fresh parameters (both from ``np.random``, which the sampler seeds for each candidate)."""

    def __init__(self, problem: Problem):
        self.problem = problem

    def __call__(self, theta) -> dict:
        fresh = self.problem.priors.fresh
        z = np.random.standard_normal(len(fresh)) if fresh else np.zeros(0)
        seed = int(np.random.randint(0, 2**31 - 1))
        draw = {**dict(theta), **dict(zip(fresh, map(float, z), strict=True))}
        overrides = self.problem.priors.overrides(draw)
        draws, misses = getattr(_PASS, "draws", None), getattr(_PASS, "misses", None)
        if draws is not None:
            draws.append((self.problem, overrides, seed))
            raise _Drawn
        if misses is not None:
            expected, miss = next(misses)
            if (overrides, seed) != expected:
                raise RuntimeError("a candidate drew other parameters in its second pass")  # never: same seed
        else:
            miss = simulate(self.problem, overrides, seed)
        return {"miss": miss, "seed": seed, "fresh": z}

    def __getstate__(self):  # the scenario travels as its plain dict, without the caches it built here
        s = self.problem.scenario
        return {"raw": s.raw, "origin": s.origin, "sources": s.sources, "observations": self.problem.observations,
                "priors": self.problem.priors}

    def __setstate__(self, state):
        scenario = from_dict(state["raw"], state["origin"], state["sources"])
        self.problem = Problem(scenario, state["observations"], state["priors"])


class _Distance:
    def __init__(self, weights: np.ndarray):
        self.weights = weights

    def __call__(self, x: dict, x0: dict) -> float:
        return distance(np.asarray(x["miss"]), self.weights)


class _Epsilon(pyabc.QuantileEpsilon):
    """Infinite in generation 0 (a plain prior sample), then the weighted median distance of the generation
    before; on ``--resume``, that median of the stored generation, as an uninterrupted run has it."""

    def __init__(self):
        super().__init__(initial_epsilon=np.inf, alpha=0.5)

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
        if t == 0:
            self._look_up = {0: np.inf}
        else:
            self._update(t, get_weighted_distances())


class _Kernel(pyabc.MultivariateNormalTransition):
    """pyabc's multivariate normal perturbation kernel, its covariance floored at 0.01 (a tenth of a prior s.d. in
    every direction of the normal scores): with 50-odd parameters and weights concentrated on a few sets, the
    fitted covariance is near-singular, and scipy would give proposals off its support a density of 0."""

    RIDGE = 0.01

    def fit(self, X, w) -> None:
        super().fit(X, w)
        self.cov = self.cov + self.RIDGE * np.eye(len(self.cov))
        self.normal = stats.multivariate_normal(cov=self.cov, allow_singular=True)


def _candidate_seed(seed: int, t: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, t + 1, index]).generate_state(1)[0])


def _evaluate(payload: bytes, seeds: list[int]) -> list:
    """A task: unpickle pyabc's ``simulate_one`` and evaluate one candidate per seed, their runs as one batch.

    pyabc evaluates a candidate at a time (propose, run, accept). In a first pass every candidate proposes with
    ``np.random`` seeded by its seed and the model keeps what it drew (parameters, run seed) without running;
    :func:`simulate_batch` then runs them all at once; in a second pass every candidate is evaluated again from
    the same seed, the model giving it its misses from the batch. The same random numbers, so the same particles
    as candidate by candidate.
    """
    simulate_one = cloudpickle.loads(payload)
    drawn: list = []
    _PASS.draws = drawn
    try:
        for s in seeds:
            np.random.seed(s)
            try:
                simulate_one()
            except _Drawn:
                continue
            raise RuntimeError("pyabc's simulate_one did not call the model")  # never
    finally:
        del _PASS.draws
    misses = simulate_batch(drawn[0][0], [d for _, d, _ in drawn], [s for *_, s in drawn]) if drawn else []
    _PASS.misses = iter([((d, s), m) for (_, d, s), m in zip(drawn, misses, strict=True)])
    try:
        out = []
        for s in seeds:
            np.random.seed(s)
            out.append(simulate_one())
    finally:
        del _PASS.misses
    return out


def _chunk(needed: float, slots: int) -> int:
    """Candidates in the next task when about ``needed`` more candidates seem needed (beyond those queued): a
    quarter of a worker's share, within ``CHUNK``. Which candidates a generation keeps does not depend on it (the
    first ``n`` accepted in candidate order), only how many are evaluated past the last one kept."""
    return int(np.clip(np.ceil(needed / (4 * slots)), *CHUNK))


class SeededSampler(Sampler):
    """A pyabc sampler on the sweeps' executors (``experiment.executors``) whose generations do not depend on
    the executor: each candidate has its own seed, and the first ``n`` accepted in candidate order are kept.

    Args:
        backend: An open executor.
        seed: The master seed.
        progress: Show a tqdm bar per generation.
    """

    def __init__(self, backend: Backend, seed: int, progress: bool = True):
        super().__init__()
        self.backend, self.seed, self.progress = backend, seed, progress

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        payload = cloudpickle.dumps(simulate_one)
        done: dict[int, list] = {}
        in_flight: dict = {}
        chunks, start = iter(range(10**12)), 0
        accepted_prefix, evaluated_prefix, next_prefix = 0, 0, 0
        accepted_done, evaluated_done, queued = 0, 0, 0  # over every finished task; candidates in flight
        bar = tqdm(total=n, desc=f"generation {t}", unit="set", disable=not self.progress, leave=False,
                   dynamic_ncols=True)
        try:
            while accepted_prefix < n and evaluated_prefix < max_eval:
                while len(in_flight) < 4 * self.backend.slots:
                    rate = max(accepted_done, 1) / max(evaluated_done, 1)  # acceptance so far (1 at first)
                    size = _chunk((n - accepted_done) / rate - queued, self.backend.slots)
                    seeds = [_candidate_seed(self.seed, t, start + k) for k in range(size)]
                    in_flight[self.backend.executor.submit(_evaluate, payload, seeds)] = next(chunks)
                    start, queued = start + size, queued + size
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    particles = done[in_flight.pop(future)] = future.result()
                    accepted_done += sum(p.accepted for p in particles)
                    evaluated_done += len(particles)
                    queued -= len(particles)
                while next_prefix in done and accepted_prefix < n:
                    particles = done[next_prefix]
                    accepted_prefix += sum(p.accepted for p in particles)
                    evaluated_prefix += len(particles)
                    next_prefix += 1
                bar.n = min(n, accepted_prefix)
                bar.set_postfix(evaluated=evaluated_prefix, refresh=False)
                bar.refresh()
        finally:
            for future in in_flight:
                future.cancel()
            bar.close()
        sample = self._create_empty_sample()
        count = 0
        for c in range(next_prefix):
            for particle in done[c]:
                if sample.n_accepted == n:
                    break
                sample.append(particle)
                count += 1
        self.nr_evaluations_ = count
        sample.ok = sample.n_accepted == n
        return sample


# ------------------------------------------------------------------------------------------- calibrate


@dataclass
class Settings:
    """How hard to look: accepted sets per generation (at most ``MAX_POPULATION``), generations (at most
    ``MAX_GENERATIONS``), and when to stop early."""

    population: int = 200
    generations: int = 6
    min_epsilon: float = 0.0
    min_acceptance_rate: float = 0.01

    def as_dict(self) -> dict:
        return {"population": self.population, "generations": self.generations, "min_epsilon": self.min_epsilon,
                "min_acceptance_rate": self.min_acceptance_rate}


def fingerprint(problem: Problem, settings: Settings, seed: int) -> str:
    """Identifies a calibration: the scenario, the facts used, the priors, the settings and the seed."""
    text = json.dumps([problem.scenario.raw, problem.observations.to_toml(), problem.priors.text, settings.as_dict(),
                       seed], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def calibrate(problem: Problem, out: str | Path, settings: Settings | None = None, seed: int = 0,
              workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None,
              resume: bool = False, progress: bool = True) -> Path:
    """Run ABC-SMC and write the results folder (see :func:`write_results`).

    Args:
        problem: Scenario, observations and priors.
        out: Results folder (new or empty; or, with ``resume``, one holding this calibration).
        settings: Population, generations, stopping rules.
        seed: Master seed: the same seed gives the same accepted sets on every executor.
        workers: Local processes (1 = serial); scheduler / dask_local: a Dask scheduler or LocalCluster.
        resume: Continue the calibration stored in ``out`` from its last finished generation.
        progress: tqdm bars.

    Returns:
        The folder.

    Raises:
        UsageError: ``out`` holds other results, or cannot be written.
    """
    settings = settings or Settings()
    out = Path(out)
    if not problem.observations.used:
        raise UsageError(f"{problem.observations.origin}: no fact dated no later than the cut-off "
                         f"{problem.observations.cutoff}: nothing to calibrate on")
    manifest = _open(out, problem, settings, seed, resume)
    db = f"sqlite:///{(out / 'abc.db').resolve()}"
    priors = problem.priors
    if not priors.perturbed:
        raise UsageError(f"{priors.origin}: expected at least one parameter the SMC kernel searches "
                         f"(perturb = true, the default for [parameters]), found none")
    prior = pyabc.Distribution(**{name: pyabc.RV("norm", 0.0, 1.0) for name in priors.perturbed})
    _quiet_pyabc()
    with open_executor(workers, scheduler, dask_local) as backend, warnings.catch_warnings():
        # pyabc compares epsilon with the last one, infinite in generation 0 (inf - inf): harmless
        warnings.filterwarnings("ignore", "invalid value encountered in scalar subtract", RuntimeWarning)
        sampler = SeededSampler(backend, seed, progress)
        abc = pyabc.ABCSMC(_Model(problem), prior, _Distance(problem.weights()), population_size=settings.population,
                           sampler=sampler, eps=_Epsilon(), transitions=_Kernel())
        if (out / "abc.db").exists():
            history = abc.load(db, 1)
        else:
            history = abc.new(db, {"miss": np.zeros(len(problem.observations.used)), "seed": 0,
                                   "fresh": np.zeros(len(priors.fresh))})
        remaining = settings.generations - history.n_populations
        finished = manifest.get("stopped") is not None
        if remaining > 0 and not finished:
            abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=remaining,
                    min_acceptance_rate=settings.min_acceptance_rate)
    history = pyabc.History(db, _id=1)
    manifest["stopped"] = _why_stopped(history, settings)
    manifest["complete"] = True
    _write_json(out / MANIFEST, manifest)
    write_results(out, problem, history, settings)
    return out


def _quiet_pyabc() -> None:
    """pyabc logs every generation at INFO, and warns when the importance weights of a generation are all tiny
    before they are normalised (they are products of 50-odd densities): the progress bar and summary.md say
    what matters."""
    logging.getLogger("ABC").setLevel(logging.ERROR)


def _why_stopped(history, settings: Settings) -> str:
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    last = pops.iloc[-1]
    if len(pops) >= settings.generations:
        return f"{settings.generations} generations"
    if last.epsilon <= settings.min_epsilon:
        return f"epsilon {last.epsilon:.3g} <= {settings.min_epsilon:g}"
    return f"acceptance rate below {settings.min_acceptance_rate:g}"


def _open(out: Path, problem: Problem, settings: Settings, seed: int, resume: bool) -> dict:
    """Check the folder and write its manifest (and the inputs, so the folder stands on its own)."""
    token = fingerprint(problem, settings, seed)
    path = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: expected a folder for the calibration, found a file")
    if path.exists():
        old = json.loads(path.read_text())
        if not resume:
            raise UsageError(f"{out}: already holds a calibration; expected an empty folder, or --resume to "
                             f"continue it")
        if old.get("fingerprint") != token:
            raise UsageError(f"{out}: --resume: expected this calibration (fingerprint {token}), found another "
                             f"(fingerprint {old.get('fingerprint')}): other facts, priors, settings or seed")
        return old
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: expected an empty folder for the calibration, found files in it")
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "abc.db").unlink(missing_ok=True)
        obs, priors, s = problem.observations, problem.priors, problem.scenario
        (out / "observations.toml").write_text(obs.to_toml())
        (out / "priors.toml").write_text(priors.text)
        _write_json(out / "scenario.json", {"origin": s.origin, "raw": s.raw, "sources": s.sources})
        manifest = {"fingerprint": token, "scenario": s.name, "observations": obs.origin, "priors": priors.origin,
                    "cutoff": obs.cutoff, "seed": seed, "settings": settings.as_dict(), "used": obs.ids(),
                    "held_back": obs.ids(obs.held_back), "complete": False, "stopped": None}
        _write_json(path, manifest)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the calibration: {exc.strerror or exc}") from None
    return manifest


def _write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(data, indent=2, default=str) + "\n")


# ------------------------------------------------------------------------------------------- results


def population_frame(history, t: int, problem: Problem) -> pd.DataFrame:
    """Generation ``t`` as a table: weight, distance, seed, every scenario parameter it set, every fact's miss.
    Rows in a canonical order (by seed), so the table is the same however it was computed."""
    priors, ids = problem.priors, problem.observations.ids()
    rows = []
    for particle in history.get_population(t).particles:
        misses = np.asarray(particle.sum_stat["miss"], dtype=float)
        row = {"weight": particle.weight, "distance": particle.distance, "seed": int(particle.sum_stat["seed"])}
        fresh = np.asarray(particle.sum_stat["fresh"], dtype=float).reshape(-1)
        row.update(priors.overrides({**dict(particle.parameter), **dict(zip(priors.fresh, fresh, strict=True))}))
        row.update({f"miss.{i}": m for i, m in zip(ids, misses, strict=True)})
        rows.append(row)
    frame = pd.DataFrame(rows).sort_values(["seed", "distance"], kind="stable").reset_index(drop=True)
    frame["weight"] /= frame["weight"].sum()
    frame.insert(0, "generation", t)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    write_whole(path, lambda file: pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), file))


def reproduction(frame: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Per fact used: the weighted share of runs that reproduce it and the weighted mean miss."""
    obs = problem.observations
    w = frame["weight"].to_numpy()
    rows = []
    for n in obs.used:
        fact = obs.facts[n]
        miss = frame[f"miss.{fact.id}"].to_numpy()
        rows.append({"id": fact.id, "date": fact.date, "fact": fact.describe(), "source": fact.source,
                     "reproduced": float((w * (miss == 0)).sum()), "mean_miss": float((w * miss).sum())})
    return pd.DataFrame(rows)


def generations(history) -> pd.DataFrame:
    """Per generation: epsilon, runs, accepted sets and the effective sample size of the weights (Kish)."""
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    ess = [1 / np.sum(history.get_distribution(0, int(t))[1] ** 2) for t in pops.t]
    return pd.DataFrame({"generation": pops.t.astype(int), "epsilon": pops.epsilon.astype(float),
                         "evaluated": pops.samples.astype(int), "accepted": pops.particles.astype(int), "ess": ess})


def write_results(out: Path, problem: Problem, history, settings: Settings) -> None:
    """Write ``prior.parquet`` (generation 0: the prior sample), ``accepted.parquet`` (the last generation: the
    posterior sample), ``observations.csv`` (how well each fact is reproduced, prior and posterior),
    ``posterior.csv``, the figures (``marginals.png``, ``pairs.png``, ``observations.png``) and ``summary.md``."""
    prior = population_frame(history, 0, problem)
    last = population_frame(history, history.max_t, problem)
    fit, table = write_samples(out, problem, prior, last)
    (out / "summary.md").write_text(summary(out, problem, history, settings, fit, table))


def write_samples(out: Path, problem: Problem, prior: pd.DataFrame, posterior: pd.DataFrame,
                  reproduced_prior: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The files every calibration method writes: ``prior.parquet``, ``accepted.parquet``, ``observations.csv``
    (each fact's reproduction, prior and posterior: over ``reproduced_prior`` if given, else the prior sample),
    ``posterior.csv`` and the figures. Returns the facts' fit and the posterior table, for ``summary.md``."""
    from .figures import marginals_figure, pairs_figure, reproduction_figure

    write_table(prior, out / "prior.parquet")
    write_table(posterior, out / "accepted.parquet")
    base = prior if reproduced_prior is None else reproduced_prior
    fit = reproduction(base, problem).merge(reproduction(posterior, problem), on=["id", "date", "fact", "source"],
                                            suffixes=("_prior", "_posterior"))
    fit.to_csv(out / "observations.csv", index=False)
    table = posterior_table(prior, posterior, problem)
    table.to_csv(out / "posterior.csv", index=False)
    marginals_figure(prior, posterior, problem, out / "marginals.png")
    pairs_figure(posterior, table, out / "pairs.png")
    reproduction_figure(fit, out / "observations.png")
    return fit, table


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution function)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cdf = np.cumsum(w) / w.sum()
    return v[np.minimum(np.searchsorted(cdf, np.asarray(qs) - 1e-12), len(v) - 1)]


def posterior_table(prior: pd.DataFrame, last: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Per parameter: the scenario's value, prior and posterior mean and 90 % interval, and how much the
    observations narrowed it (posterior s.d. / prior s.d.)."""
    rows = []
    for path in problem.priors.columns:
        rows.append({"parameter": path, "scenario": _scenario_value(problem.scenario, path),
                     "prior_mean": _mean(prior, path), **_interval(prior, path, "prior"),
                     "posterior_mean": _mean(last, path), **_interval(last, path, "posterior"),
                     "sd_ratio": _sd(last, path) / max(_sd(prior, path), 1e-12)})
    return pd.DataFrame(rows)


def _mean(frame, path):
    return float((frame["weight"].to_numpy() * frame[path].to_numpy()).sum())


def _sd(frame, path):
    m = _mean(frame, path)
    return float(np.sqrt((frame["weight"].to_numpy() * (frame[path].to_numpy() - m) ** 2).sum()))


def _interval(frame, path, prefix):
    lo, hi = weighted_quantiles(frame[path].to_numpy(), frame["weight"].to_numpy(), [0.05, 0.95])
    return {f"{prefix}_q05": float(lo), f"{prefix}_q95": float(hi)}


def _scenario_value(scenario: Scenario, path: str):
    node = scenario.raw
    for key in path.split("."):
        node = node[key]
    return node


def summary(out: Path, problem: Problem, history, settings: Settings, fit: pd.DataFrame,
            table: pd.DataFrame) -> str:
    """summary.md: what was calibrated on what, how the generations went, the posterior, the facts' fit."""
    priors = problem.priors
    gens = generations(history)
    manifest = json.loads((out / MANIFEST).read_text())
    lines = [f"# Calibration of {problem.scenario.name}", "",
             *summary_head(problem, "the SMC kernel searches", ""),
             f"- ABC-SMC (pyabc {pyabc.__version__}): {settings.population} sets per generation, seed "
             f"{manifest['seed']}; stopped after {manifest['stopped']}",
             "- distance: weighted mean miss over the facts used (0 = every fact reproduced)", ""]
    unaccounted = priors.unaccounted(problem.scenario)
    if unaccounted:
        lines += [f"**Assumed parameters neither varied nor held** (kept at the scenario's value without a "
                  f"reason): {', '.join(unaccounted)}", ""]
    lines += ["## Generations", "", "| generation | epsilon | runs | accepted | effective sample size |",
              "|---|---|---|---|---|"]
    lines += [f"| {g.generation} | {g.epsilon:.4g} | {g.evaluated} | {g.accepted} | {g.ess:.0f} |"
              for g in gens.itertuples()]
    lines += ["", "Generation 0 is the prior sample (epsilon infinite); the last is the posterior."]
    ess = gens["ess"].iloc[-1]
    if ess < settings.population / 10:
        lines += ["", f"**Warning**: the posterior's importance weights rest on few sets (effective sample size "
                  f"{ess:.0f} of {settings.population}): its intervals are too narrow to trust. Let the kernel "
                  f"search fewer parameters (`perturb = false` draws a parameter afresh for every run) or "
                  f"raise --population."]
    lines += summary_tail(out, problem, fit, table, "`abc.db` (pyabc's history)")
    return "\n".join(lines)


def summary_head(problem: Problem, searches: str, integrated: str) -> list[str]:
    """summary.md's lines on the facts used and the priors, common to both methods (``searches``: how the method
    names its search of the perturbed parameters; ``integrated``: what it says of the others)."""
    obs, priors = problem.observations, problem.priors
    return [f"- observations: `{obs.origin}`, cut-off **{obs.cutoff}**: {len(obs.used)} facts used "
            f"(dated {min(obs.facts[n].date for n in obs.used)} to {max(obs.facts[n].date for n in obs.used)})"
            + (f", {len(obs.held_back)} held back (dated after the cut-off): "
               f"{', '.join(obs.ids(obs.held_back))}" if obs.held_back else ", none held back"),
            f"- priors: `{priors.origin}`: {len(priors.parameters)} parameters and {len(priors.weights)} weight "
            f"tables ({len(priors.columns)} scenario parameters), {len(priors.held)} held; {searches} "
            f"{len(priors.perturbed)} ({', '.join(priors.perturbed)}), the others are drawn afresh from the prior "
            f"for every run{integrated}"]


def never_reproduced(fit: pd.DataFrame, problem: Problem) -> list[str]:
    """Posterior predictive check: the facts that no run reproduced, prior or posterior, each with its note
    (what the model lacks to reproduce it, in the observations file), as markdown list items."""
    notes = {f.id: f.note for f in problem.observations.facts}
    never = fit[(fit["reproduced_prior"] == 0) & (fit["reproduced_posterior"] == 0)]
    return [f"- {r.fact} (`{r.id}`, {r.date})" + (f": {notes[r.id]}" if notes.get(r.id) else "")
            for r in never.itertuples()]


def summary_tail(out: Path, problem: Problem, fit: pd.DataFrame, table: pd.DataFrame, extra: str) -> list[str]:
    """summary.md's sections common to both methods: each fact's fit (prior and posterior), the facts no run
    reproduced (the posterior predictive check), the posterior table and the files."""
    lines = ["", "## How well each fact is reproduced (posterior predictive check)", "",
             "Share of runs reproducing the fact (miss 0), prior and posterior; mean miss in brackets "
             "(`observations.csv`, `observations.png`).", "",
             "| fact | date | prior | posterior | source |", "|---|---|---|---|---|"]
    lines += [f"| {r.fact} (`{r.id}`) | {r.date} | {r.reproduced_prior:.0%} ({r.mean_miss_prior:.2f}) | "
              f"{r.reproduced_posterior:.0%} ({r.mean_miss_posterior:.2f}) | {r.source} |" for r in fit.itertuples()]
    never = never_reproduced(fit, problem)
    if never:
        lines += ["", "**No run reproduced** these facts, prior or posterior: the model, not its parameters, is at "
                  "odds with them (the fact's note says what it lacks):", "", *never]
    lines += ["", "## Posterior", "",
              "Mean and 90 % interval; `narrowed` is the posterior s.d. over the prior s.d. (1: the facts say "
              "nothing about it).", "",
              "| parameter | scenario | prior mean [90 %] | posterior mean [90 %] | narrowed |",
              "|---|---|---|---|---|"]
    for r in table.sort_values("sd_ratio").itertuples():
        lines.append(f"| `{r.parameter}` | {r.scenario:.4g} | {r.prior_mean:.3g} [{r.prior_q05:.3g}, "
                     f"{r.prior_q95:.3g}] | {r.posterior_mean:.3g} [{r.posterior_q05:.3g}, {r.posterior_q95:.3g}] | "
                     f"{r.sd_ratio:.2f} |")
    lines += ["", "Files: `accepted.parquet` (posterior sample), `prior.parquet` (prior sample), "
              f"`observations.csv`, `posterior.csv`, `marginals.png`, `pairs.png`, `observations.png`, {extra}. "
              "Next: `bargaining forecast " + str(out) + "`.", ""]
    return lines


def load_problem(out: str | Path) -> tuple[Problem, dict]:
    """The problem a calibration folder was made from (from the copies it keeps), and its manifest.

    Raises:
        UsageError: The folder holds no finished calibration.
    """
    from .observations import parse_observations
    from .priors import load_priors

    out = Path(out)
    path = out / MANIFEST
    if not path.exists():
        raise UsageError(f"{out}: no calibration (expected {path}, written by `bargaining calibrate`)")
    manifest = json.loads(path.read_text())
    if not manifest.get("complete") or not (out / "accepted.parquet").exists():
        raise UsageError(f"{out}: the calibration did not finish; continue it with `bargaining calibrate ... "
                         f"--out {out} --resume`")
    s = json.loads((out / "scenario.json").read_text())
    scenario = from_dict(s["raw"], s["origin"], s["sources"])
    import tomllib

    text = (out / "observations.toml").read_text()
    observations = parse_observations(tomllib.loads(text), scenario, manifest["observations"], text)
    priors = load_priors(out / "priors.toml", scenario)
    return Problem(scenario, observations, priors), manifest

