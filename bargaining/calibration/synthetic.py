"""Synthetic checks: facts simulated from known parameters, to see whether calibration recovers them.

:func:`synthetic_facts` writes what one run did as an observations file: in each chosen round, every country's
offer on every issue (a level, or a value within ``width`` of the range around it), whether a package was
signed and whether notice was given; after the cut-off, the outcome and the agreed package (to score against).

:func:`coverage_study` repeats that with true parameters drawn from the prior and checks both methods' posteriors
against them: simulation-based calibration (Talts et al. 2018: the rank of the truth among the posterior draws is
uniform when the posterior is calibrated) and the coverage of the 50 % and 90 % intervals
(``experiments/calibration_coverage.py`` runs it and writes the result into docs/calibration.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..scenario import Scenario
from ..simulate import Result, run
from .observations import Observations, parse_observations, toml_text


def synthetic_facts(scenario: Scenario, result: Result, cutoff_round: int, rounds: list[int] | None = None,
                    width: float = 0.05) -> dict:
    """The facts of one recorded run, as the dict of an observations file.

    Args:
        scenario: The scenario the run used.
        result: A run recorded with ``record=True``.
        cutoff_round: Facts up to this round are for calibration; the outcome comes after (if later).
        rounds: Rounds whose offers become facts (default: every round up to the cut-off).
        width: Half-width of a continuous fact's range, as a share of the issue's range.
    """
    source = {"source": f"synthetic run, seed {result.seed}", "quote": "simulated"}
    last = min(cutoff_round, result.round)
    facts = []
    frame = result.rounds
    for r in rounds or range(1, last + 1):
        if r > last:
            continue
        date = scenario.month(r)
        for row in frame[frame["round"] == r].itertuples(index=False):
            for issue in scenario.space:
                value = getattr(row, issue.name)
                if value != value:  # NaN: no offer
                    continue
                fact = {"kind": "tabled", "country": row.country, "issue": issue.name, "date": date, **source}
                if issue.discrete:
                    fact["level"] = issue.levels[int(value)]
                else:
                    lo, hi = issue.bounds
                    half = width * (hi - lo)
                    fact["between"] = [max(lo, value - half), min(hi, value + half)]
                facts.append(fact)
    cutoff = scenario.month(cutoff_round)
    if result.round > cutoff_round:
        facts.append({"kind": "no_agreement", "date": cutoff, **source})
    if scenario.spec.threat.country is not None:
        given = result.notice_round is not None and result.notice_round <= cutoff_round
        facts.append({"kind": "notice", "given": given, "date": cutoff, **source})
    if result.round > cutoff_round:
        facts.append({"kind": "outcome", "outcome": str(result.outcome), "date": result.month, **source})
        for name, value in (result.agreement or {}).items():
            key = "level" if isinstance(value, str) else "value"
            facts.append({"kind": "agreed", "issue": name, key: value, "date": result.month, **source})
    return {"scenario": scenario.name, "cutoff": cutoff, "facts": facts}


def synthetic_observations(scenario: Scenario, truth: dict, seed: int, cutoff_round: int,
                           rounds: list[int] | None = None) -> tuple[Observations, Result]:
    """Run ``scenario`` with the true parameters ``truth`` (overrides) and ``seed``; return its facts, checked."""
    result = run(scenario.with_overrides(truth), seed=seed, record=True)
    data = synthetic_facts(scenario.with_overrides(truth), result, cutoff_round, rounds)
    return parse_observations(data, scenario, f"synthetic (seed {seed})", toml_text(data)), result


def write_facts(data: dict, path: str | Path) -> Path:
    """Write an observations dict as a TOML file."""
    path = Path(path)
    path.write_text(toml_text(data))
    return path


# ------------------------------------------------------------------------------ simulation-based calibration


def union_observations(scenario: Scenario, datas: list[dict]) -> tuple[Observations, list[list[int]]]:
    """The facts of several synthetic experiments in one observations object (ids ``e{k}.{id}``), and the columns
    of each experiment's facts used among its misses: one run's misses then serve every experiment, so that NPE
    simulates the prior once for all of them (a fact's miss does not depend on the other facts)."""
    facts, columns, n = [], [], 0
    cutoff = datas[0]["cutoff"]
    for k, data in enumerate(datas):
        if data["cutoff"] != cutoff:
            raise ValueError(f"experiment {k}: expected the cut-off {cutoff} of the others, found {data['cutoff']}")
        used = [f for f in data["facts"] if f["date"] <= cutoff]
        facts += [{**f, "id": f"e{k}.{j:02d}-{f['kind']}"} for j, f in enumerate(used)]
        columns.append(list(range(n, n + len(used))))
        n += len(used)
    data = {"scenario": scenario.name, "cutoff": cutoff, "facts": facts}
    return parse_observations(data, scenario, "synthetic experiments", toml_text(data)), columns


def cdf_at(values, weights, truth: float) -> float:
    """The posterior's distribution function at the truth: the weighted share of draws below it, ties counted
    half. For equal weights it is the normalised rank of simulation-based calibration (Talts et al. 2018): over
    truths drawn from the prior it is uniform on [0, 1] when the posterior is calibrated."""
    v, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    return float((w[v < truth].sum() + 0.5 * w[v == truth].sum()) / w.sum())


def coverage_row(method: str, name: str, values, weights, truth: float, bounds: tuple[float, float]) -> dict:
    """One experiment's check of one parameter: the rank (``cdf_at``), whether the central 50 % and 90 %
    intervals hold the truth, and the 90 % interval's width as a share of the prior's range."""
    from .abc import weighted_quantiles

    q = weighted_quantiles(np.asarray(values, dtype=float), np.asarray(weights, dtype=float),
                           [0.05, 0.25, 0.75, 0.95])
    lo, hi = bounds
    return {"method": method, "parameter": name, "rank": cdf_at(values, weights, truth),
            "in50": bool(q[1] <= truth <= q[2]), "in90": bool(q[0] <= truth <= q[3]),
            "width90": float((q[3] - q[0]) / (hi - lo))}


def coverage_table(rows, bins: int = 5):
    """Per method and parameter: experiments, coverage of the 50 % and 90 % intervals, mean 90 % width, the rank
    histogram (counts in ``bins`` equal bins of [0, 1]) and the chi-square test of its uniformity (p-value)."""
    import pandas as pd
    from scipy import stats

    frame = pd.DataFrame(rows)
    out = []
    for (method, name), g in frame.groupby(["method", "parameter"], sort=False):
        counts = np.histogram(g["rank"], bins=bins, range=(0, 1))[0]
        p = float(stats.chisquare(counts).pvalue) if len(g) >= bins else float("nan")
        out.append({"method": method, "parameter": name, "experiments": len(g), "covered_50": g["in50"].mean(),
                    "covered_90": g["in90"].mean(), "width_90": g["width90"].mean(),
                    "ranks": " ".join(map(str, counts)), "uniform_p": p})
    return pd.DataFrame(out)


def rank_figure(rows, path: str | Path, bins: int = 5) -> Path:
    """Rank histograms (simulation-based calibration), one panel per parameter and method: flat when the
    posterior is calibrated; a U means too narrow, a hump too wide, a slope biased. The band is the 90 % range of
    a bin's count under uniform ranks (binomial)."""
    import pandas as pd
    from matplotlib.figure import Figure
    from scipy import stats

    from ..figures.run import save_figure

    frame = pd.DataFrame(rows)
    methods = list(dict.fromkeys(frame["method"]))
    names = list(dict.fromkeys(frame["parameter"]))
    fig = Figure(figsize=(3.2 * len(names), 2.4 * len(methods)))
    axes = fig.subplots(len(methods), len(names), squeeze=False)
    for i, method in enumerate(methods):
        for j, name in enumerate(names):
            ax = axes[i, j]
            ranks = frame[(frame["method"] == method) & (frame["parameter"] == name)]["rank"]
            n = len(ranks)
            lo, hi = stats.binom.ppf([0.05, 0.95], n, 1 / bins)
            ax.axhspan(lo, hi, color="#dddddd")
            ax.axhline(n / bins, color="black", lw=0.8, ls=":")
            ax.hist(ranks, bins=bins, range=(0, 1), color="#1f4e9c", alpha=0.8)
            ax.set_title(f"{method}: {name.removeprefix('countries.').replace('.strategy.', '.')}", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle("Simulation-based calibration: rank of the truth in the posterior (flat = calibrated; grey: 90 % "
                 "range under uniform ranks)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return save_figure(fig, path, dpi=90)


def coverage_study(scenario: Scenario, priors, experiments: int, work: str | Path, seed: int = 2017,
                   abc=None, npe=None, draws: int = 200, cutoff_round: int = 6, rounds: tuple[int, ...] = (2, 4, 6),
                   workers: int | None = 1, progress: bool = True, amortised: int = 0) -> list[dict]:
    """Synthetic truths from the prior, each calibrated by ABC-SMC and by NPE; one :func:`coverage_row` per
    experiment, method and searched parameter.

    Experiment ``k`` draws its truth from the prior (``default_rng(seed)``, in turn), runs the scenario with it and
    seed ``k``, and writes that run's offers in ``rounds`` (and no agreement, notice or not, by ``cutoff_round``) as
    its facts. ABC calibrates each experiment (``abc``: its ``Settings``, seed ``k``); NPE simulates the prior once
    for all experiments (their facts in one :func:`union_observations`) and trains one estimator per experiment on
    its facts' misses (``npe``: its ``NPESettings``), drawing ``draws`` from each posterior. Everything is stored in
    ``work`` and resumed from there.

    NPE's estimator is amortised: the one trained on experiment 0's facts gives a posterior for any run's misses
    of those facts. With ``amortised``, it is also checked the textbook way (Talts et al. 2018) at the cost of
    runs and draws only: ``amortised`` fresh parameter sets from the prior (``prior_draws`` stream 3), one run
    each, their misses of experiment 0's facts, ``draws`` posterior draws at each (method ``NPE, amortised``).
    These truths rarely reproduce every fact, so this checks the estimator over everything the prior does, where
    the experiments check it where a calibration uses it, at facts all reproduced.

    Args:
        scenario: The scenario; priors: priors over its assumed parameters (the searched ones are checked).
        experiments: How many truths.
        abc, npe: Settings of each method, or None to leave it out.
    """
    import pandas as pd
    from scipy import special
    from tqdm import tqdm

    from .abc import Problem, calibrate

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    truths, datas = [], []
    for k in range(experiments):
        truth = priors.overrides(priors.sample(1, rng)[0])
        s = scenario.with_overrides(priors.as_override(truth))
        result = run(s, seed=k, record=True)
        truths.append(truth)
        datas.append(synthetic_facts(s, result, cutoff_round, list(rounds)))
    bounds = priors.bounds()
    checked = [n for n in priors.perturbed if n in priors.parameters]  # searched parameters (weights: not here)
    rows: list[dict] = []
    if abc is not None:
        for k in tqdm(range(experiments), desc="ABC experiments", disable=not progress, leave=False):
            data = datas[k]
            observations = parse_observations(data, scenario, f"synthetic (seed {k})", toml_text(data))
            out = work / f"abc-{k}"
            if not (out / "accepted.parquet").exists():
                calibrate(Problem(scenario, observations, priors), out, abc, seed=k, workers=workers, progress=False,
                          resume=(out / "calibration.json").exists())
            posterior = pd.read_parquet(out / "accepted.parquet")
            rows += [coverage_row("ABC", name, posterior[name], posterior["weight"], truths[k][name], bounds[name])
                     for name in checked]
    if npe is not None:
        from ..experiment.executors import open_executor
        from .npe import (
            batch_size,
            epoch_budget,
            informative,
            learning_rate,
            observed,
            prior_draws,
            run_chunks,
            summaries,
            train,
        )

        union, columns = union_observations(scenario, datas)
        problem = Problem(scenario, union, priors)
        searched = [priors.names.index(n) for n in priors.perturbed]
        z, seeds = prior_draws(problem, seed, 0, 0, npe.simulations)
        with open_executor(workers) as backend:
            x = run_chunks(problem, z, seeds, work / "npe-simulations", npe.chunk, backend, "NPE simulations",
                           progress)
        def add(method: str, theta: np.ndarray, truth: dict) -> None:
            for j, name in enumerate(priors.perturbed):
                if name in checked:
                    prior = priors.parameters[name]
                    values = [prior.quantile(float(p)) for p in special.ndtr(theta[:, j])]
                    rows.append(coverage_row(method, name, values, np.ones(len(theta)), truth[name], bounds[name]))

        n = npe.simulations  # the stored draws' name says how they were trained
        tag = f"{n}-{npe.epochs or epoch_budget(n)}-{learning_rate(batch_size(n)):g}-{npe.hidden}-{npe.transforms}-" \
              f"{draws}"
        for k in tqdm(range(experiments), desc="NPE experiments", disable=not progress, leave=False):
            stored = work / f"npe-{k}-{tag}.npy"  # each experiment's draws
            xk = summaries(x[:, columns[k]], informative(x[:, columns[k]]), union.weights(union.used)[columns[k]])
            each_path = work / f"npe-amortised-{amortised}-{tag}.npy"
            fresh = amortised and k == 0 and not each_path.exists()
            if stored.exists() and not fresh:
                theta = np.load(stored)
            else:
                trained = train(z[:, searched], xk, npe, seed + k)
                theta = trained.sample(draws, observed(xk), seed + k, npe.threads)
                np.save(stored, theta)
                if fresh:
                    zt, seeds_t = prior_draws(problem, seed, 3, 0, amortised)
                    with open_executor(workers) as backend:
                        xt = run_chunks(problem, zt, seeds_t, work / "npe-truths", npe.chunk, backend, "NPE truths",
                                        progress)[:, columns[0]]
                    keep = informative(x[:, columns[0]])
                    each = trained.sample_each(draws, summaries(xt, keep, union.weights(union.used)[columns[0]]),
                                               seed + 1, npe.threads)
                    np.save(each_path, each)
            add("NPE", theta, truths[k])
        if amortised:
            each = np.load(work / f"npe-amortised-{amortised}-{tag}.npy")
            zt, _ = prior_draws(problem, seed, 3, 0, amortised)
            for t in range(amortised):
                truth = priors.overrides(dict(zip(priors.names, map(float, zt[t]), strict=True)))
                add("NPE, amortised", each[t], truth)
    return rows
