"""Forecast from a calibration: run the posterior (and the prior, beside it) forward to the outcome.

Posterior: every accepted parameter set of the last generation is run again with its own seed (the run that
was accepted, so consistent with the facts) and with ``replications`` new seeds, of which only the runs whose
path is no farther from the facts than the farthest accepted run are kept: a run that, say, strikes a deal
before the cut-off, against a fact, is no forecast of what came next. Each set keeps its posterior weight,
shared among its kept runs. Prior: every set of generation 0 (the prior sample) run with its own seed,
whatever the facts say: what the model predicted before them.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd

from ..outcomes import Outcome
from .abc import MANIFEST, Problem, distance, load_problem, run_sets, weighted_quantiles, write_table

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SIGNED = [str(o) for o in Outcome if o.signed]  # outcomes that leave an agreed package


def _runs(problem: Problem, items: list[tuple[str, int, float, dict, int]]) -> list[dict]:
    """A task: run each (side, set, weight, overrides, seed) to its outcome and measure its path's distance, all
    as one heterogeneous batch (``abc.run_sets``; each row what ``run(..., record=True)`` of it alone gives)."""
    weights = problem.weights()
    ok, batch = run_sets(problem, [overrides for *_, overrides, _ in items], [seed for *_, seed in items])
    misses = problem.observations.batch_misses(batch) if batch is not None else None
    where = {int(i): r for r, i in enumerate(ok)}
    rows = []
    for i, (side, index, weight, _, seed) in enumerate(items):
        row = {"side": side, "set": index, "set_weight": weight, "seed": seed}
        if i not in where:  # the scenario rejects the set
            rows.append({**row, "outcome": None, "round": None, "distance": 1.0})
            continue
        r = where[i]
        notice = int(batch.notice_round[r])
        row.update(outcome=str(batch.outcome[r]), round=int(batch.round[r]),
                   notice_round=None if notice < 0 else notice, distance=distance(misses[r], weights))
        if batch.signed[r]:
            for name, value in batch.structure_of(r).space.natural(batch.package[r]).items():
                row[f"agreed.{name}"] = value
        rows.append(row)
    return rows


#: Runs per task: a task runs its sets as one heterogeneous batch (a set's seeds are one model, sharing its paths).
CHUNK = 128


def _chunks(items: list[tuple], size: int) -> list[list[tuple]]:
    """The items in tasks of about ``size`` runs, a set's runs never split between tasks."""
    chunks: list[list[tuple]] = [[]]
    for n, item in enumerate(items):
        if len(chunks[-1]) >= size and item[:2] != items[n - 1][:2]:
            chunks.append([])
        chunks[-1].append(item)
    return chunks


#: Most new seeds per accepted set: a forecast runs population x (1 + replications) runs, twice (posterior, prior).
MAX_REPLICATIONS = 1_000


def forecast(out: str | Path, replications: int = 4, workers: int | None = 1, scheduler: str | None = None,
             dask_local: int | None = None, progress: bool = True) -> dict:
    """Run the posterior and the prior forward; write ``forecast.parquet``, ``forecast.json``, ``forecast.png``.

    Args:
        out: A calibration folder (``bargaining calibrate``).
        replications: New seeds per accepted set, besides its own.
        workers, scheduler, dask_local: Where to run (as for sweeps).
        progress: A tqdm bar.

    Returns:
        The forecast (as ``forecast.json``): ``outcomes``, ``month``, ``agreement`` of the posterior, the same
        under ``prior``, and the ``observations`` it rests on.
    """
    from concurrent.futures import as_completed

    from tqdm import tqdm

    from ..experiment.executors import open_executor
    from .figures import forecast_figure

    out = Path(out)
    problem, manifest = load_problem(out)
    columns = problem.priors.columns
    posterior = pd.read_parquet(out / "accepted.parquet")
    prior = pd.read_parquet(out / "prior.parquet")
    epsilon = float(posterior["distance"].max())
    items = []
    for side, frame, extra in (("posterior", posterior, replications), ("prior", prior, 0)):
        matrix = frame[columns].to_numpy(dtype=float)
        for n, (weight, seed) in enumerate(zip(frame["weight"], frame["seed"], strict=True)):
            values = dict(zip(columns, map(float, matrix[n]), strict=True))
            seeds = [int(seed)] + [int(np.random.SeedSequence([manifest["seed"], 7, n, k]).generate_state(1)[0])
                                   for k in range(extra)]
            items += [(side, n, float(weight), values, s) for s in seeds]
    chunks = _chunks(items, CHUNK)
    rows: list[dict] = []
    with open_executor(workers, scheduler, dask_local) as backend, \
            tqdm(total=len(items), desc="forecast", unit="run", disable=not progress, leave=False) as bar:
        futures: list[Future] = [backend.executor.submit(_runs, problem, chunk) for chunk in chunks]
        for future in as_completed(futures):
            rows += future.result()
            bar.update(len(future.result()))
    runs = pd.DataFrame(rows).sort_values(["side", "set", "seed"], kind="stable").reset_index(drop=True)
    runs["kept"] = (runs["side"] == "prior") | (runs["distance"] <= epsilon + 1e-12)
    runs["weight"] = 0.0
    kept = runs[runs["kept"]]
    per_set = kept.groupby(["side", "set"])["seed"].transform("size")
    runs.loc[kept.index, "weight"] = kept["set_weight"] / per_set
    for side in ("posterior", "prior"):
        mask = runs["side"] == side
        runs.loc[mask, "weight"] /= runs.loc[mask, "weight"].sum()
    for issue in problem.scenario.space:
        if f"agreed.{issue.name}" not in runs:
            runs[f"agreed.{issue.name}"] = None
    write_table(runs, out / "forecast.parquet")
    obs = problem.observations
    result = {
        "scenario": problem.scenario.name,
        "observations": {"file": manifest["observations"], "cutoff": obs.cutoff,
                         "used": [{"id": obs.facts[n].id, "date": obs.facts[n].date, "source": obs.facts[n].source}
                                  for n in obs.used],
                         "last_date": max(obs.facts[n].date for n in obs.used),
                         "held_back": obs.ids(obs.held_back)},
        **describe(runs[runs["side"] == "posterior"], problem),
        "prior": describe(runs[runs["side"] == "prior"], problem),
        "runs": {"posterior_sets": len(posterior), "posterior_runs": int((runs["side"] == "posterior").sum()),
                 "posterior_kept": int(runs[runs["side"] == "posterior"]["kept"].sum()),
                 "prior_runs": int((runs["side"] == "prior").sum()), "epsilon": epsilon},
    }
    (out / "forecast.json").write_text(json.dumps(result, indent=2) + "\n")
    forecast_figure(result, runs, problem.scenario, out / "forecast.png")
    return result


def describe(runs: pd.DataFrame, problem: Problem) -> dict:
    """Outcome shares, month quantiles and the agreed package per issue of a weighted set of runs."""
    runs = runs[(runs["weight"] > 0) & runs["outcome"].notna()]  # a set the scenario rejects has no outcome
    w = runs["weight"].to_numpy() / runs["weight"].sum()
    outcomes = {str(o): float(w[runs["outcome"].to_numpy() == str(o)].sum()) for o in Outcome}
    scenario = problem.scenario
    rounds = weighted_quantiles(runs["round"].to_numpy(dtype=float), w, QUANTILES)
    month = {f"{q:.0%}": scenario.month(int(r)) for q, r in zip(QUANTILES, rounds, strict=True)}
    is_signed = runs["outcome"].isin(SIGNED).to_numpy()
    signed = runs[is_signed]
    agreement = {"share": float(w[is_signed].sum())}
    for issue in scenario.space:
        values, ws = signed[f"agreed.{issue.name}"], signed["weight"].to_numpy()
        if not len(signed):
            agreement[issue.name] = None
        elif issue.discrete:
            agreement[issue.name] = {"levels": {level: float(ws[values.to_numpy() == level].sum() / ws.sum())
                                                for level in issue.levels}}
        else:
            x = values.to_numpy(dtype=float)
            agreement[issue.name] = {"mean": float((x * ws).sum() / ws.sum()),
                                     "quantiles": {f"{q:.0%}": float(v) for q, v in
                                                   zip(QUANTILES, weighted_quantiles(x, ws, QUANTILES), strict=True)}}
    return {"outcomes": outcomes, "month": month, "agreement": agreement}


def text(result: dict, scenario) -> str:
    """The forecast, readable."""
    obs = result["observations"]
    lines = [f"{result['scenario']}: forecast from {len(obs['used'])} facts dated to {obs['last_date']} "
             f"(cut-off {obs['cutoff']}; {obs['file']})"
             + (f"; held back: {', '.join(obs['held_back'])}" if obs["held_back"] else ""), "",
             f"{'outcome':22s}{'posterior':>10s}{'prior':>8s}"]
    for o, share in result["outcomes"].items():
        lines.append(f"{o:22s}{share:10.0%}{result['prior']['outcomes'][o]:8.0%}")
    lines += ["", "month of the outcome (5 / 25 / 50 / 75 / 95 %):",
              f"  posterior  {' '.join(result['month'].values())}",
              f"  prior      {' '.join(result['prior']['month'].values())}", "",
              f"agreed package, given an agreement (posterior {result['agreement']['share']:.0%} of runs; prior "
              f"{result['prior']['agreement']['share']:.0%}):"]
    for issue in scenario.space:  # every level's full name: a long one on its own lines
        post, pri = result["agreement"][issue.name], result["prior"]["agreement"][issue.name]
        lines += [f"  {issue.name}", f"    posterior  {_fmt(issue, post)}", f"    prior      {_fmt(issue, pri)}"]
    runs = result["runs"]
    lines += ["", f"{runs['posterior_sets']} accepted sets, {runs['posterior_kept']} of {runs['posterior_runs']} "
              f"posterior runs consistent with the facts (distance <= {runs['epsilon']:.3g}); "
              f"{runs['prior_runs']} prior runs"]
    return "\n".join(lines)


def _fmt(issue, summary: dict | None) -> str:
    if summary is None:
        return "-"
    if issue.discrete:
        return ", ".join(f"{level} {share:.0%}" for level, share in summary["levels"].items())
    q = summary["quantiles"]
    return f"mean {summary['mean']:.4g} [{q['5%']:.4g}, {q['95%']:.4g}]"


def load_forecast(out: str | Path) -> tuple[dict, pd.DataFrame]:
    """``forecast.json`` and ``forecast.parquet`` of a folder (``bargaining forecast`` writes them)."""
    from ..errors import UsageError

    out = Path(out)
    if not (out / "forecast.json").exists() or not (out / MANIFEST).exists():
        raise UsageError(f"{out}: no forecast (expected {out / 'forecast.json'}): run `bargaining forecast {out}`")
    return json.loads((out / "forecast.json").read_text()), pd.read_parquet(out / "forecast.parquet")
