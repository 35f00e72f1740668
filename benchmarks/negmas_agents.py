"""bargaining's strategies and NegMAS's ANAC agents at the same table: self-play and cross-play on Genius domains.

Needs the extra ``bargaining[negmas]``; without it, says so and exits with status 0 (``make bench`` runs it only
when NegMAS is installed). Every domain is a Genius folder: tests/data/genius/harbour as it is, and the bundled
scenarios (and tests' quota_veto and GeniusWeb allotment) exported with ``bargaining export --format genius``
(what the NegMAS reader reads too: tests/test_negmas.py holds the two tools' utilities equal on them). Every
negotiation runs in bargaining's engine (its protocol, deadline and walk-away values), the ANAC agents seated
through ``negmas:NAME``::

    .venv/bin/python benchmarks/negmas_agents.py [--seeds 10] [--out benchmarks/negmas_agents.csv]

* self-play: every seat plays the same strategy or agent;
* cross-play: one country plays a bargaining strategy, the others one ANAC agent, each of the first three
  countries in turn (all of them in the 2- and 3-party domains).

Per domain and match: agreement share; welfare, the mean utility per party over all runs (no deal: the
walk-away outcome); and, over the deals, the mean Euclidean distance in utility space to the Nash point, the mean
Pareto distance (the utility every party could still gain at once) and the share of weakly Pareto-efficient deals
(distance <= 1e-6), from ``bargaining.analysis.deal_metrics`` at the initial walk-away values. Cross-play also
gives the bargaining seat's and the agents' mean utility. Prints markdown tables (docs/theory.md, BENCHMARKS.md)
and writes every row to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bargaining  # noqa: E402
from bargaining.analysis import deal_metrics  # noqa: E402
from bargaining.scenario import load_scenario  # noqa: E402
from bargaining.scenario.export import export_files  # noqa: E402

OURS = ["boulware", "linear", "conceder", "tit_for_tat", "hard_liner"]
ANAC = ["Atlas3", "HardHeaded", "ParsCat", "AgentGG"]
DOMAINS = {  # name -> source; NegMAS seats cut nafta's four continuous issues into 3 values (24,057 outcomes)
    "harbour": ROOT / "tests" / "data" / "genius" / "harbour",
    "pie-split": "pie-split",
    "uk-eu-2020": "uk-eu-2020",
    "nafta-2017": "nafta-2017",
    "port-expansion": "port-expansion",
    "quota-veto": ROOT / "tests" / "scenarios" / "quota_veto.toml",
    "allotment": ROOT / "tests" / "data" / "geniusweb" / "allotment",
}
POINTS = {"nafta-2017": 3}  # exported with 3 points per continuous issue, and seats cut them into 3 values
ROTATIONS = 3  # cross-play seats the bargaining strategy in each of the first three countries in turn
COLUMNS = ["agreement", "welfare", "nash_distance", "pareto_distance", "weakly_efficient", "runs"]


def genius_folder(name: str, source, into: Path) -> Path:
    """The domain as a Genius folder (harbour as it is; the others exported)."""
    if name == "harbour":
        return Path(source)
    case = load_scenario(str(source))
    files, _ = export_files(case.raw, "genius", dict(zip(case.countries, case.initial_walk_away, strict=True)),
                            points=POINTS.get(name, 11))
    folder = into / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def play(folder: Path, seats: dict[str, str], seeds: list[int], points: int | None) -> pd.DataFrame:
    """One row per seed: outcome, utilities and deal metrics of a batch with ``seats`` (country -> strategy)."""
    overrides = {f"{c}.strategy.name": s for c, s in seats.items()}
    overrides |= {f"{c}.strategy.points": points for c, s in seats.items() if points and s.startswith("negmas:")}
    case = load_scenario(str(folder), overrides)
    batch = bargaining.run_batch(case, seeds=seeds)
    results = [batch.result(r) for r in range(len(seeds))]
    deal = np.array([r.outcome == "deal" for r in results])
    u = np.array([[r.utilities[c] for c in case.countries] for r in results])
    rows = pd.DataFrame({"deal": deal, "welfare": u.mean(axis=1)})
    for n, c in enumerate(case.countries):
        rows[f"u.{c}"] = u[:, n]
    rows["nash_distance"], rows["pareto_distance"] = np.nan, np.nan
    if deal.any():
        packages = np.array([r.package for r, d in zip(results, deal, strict=True) if d])
        m = deal_metrics(case.preferences, case.space, case.initial_walk_away, packages, case.rule)
        if m["nash_distance"] is not None:
            rows.loc[deal, "nash_distance"] = m["nash_distance"]
        rows.loc[deal, "pareto_distance"] = m["pareto_distance"]
    return rows


def matches(countries: tuple[str, ...]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(kind, ours, theirs, seats): self-play of every strategy and agent, cross-play of each pair, each of the
    first ``ROTATIONS`` countries in turn."""
    out = [("self", s, s, dict.fromkeys(countries, s)) for s in OURS]
    out += [("self", f"negmas:{a}", f"negmas:{a}", dict.fromkeys(countries, f"negmas:{a}")) for a in ANAC]
    for s in OURS:
        for a in ANAC:
            for c in countries[:ROTATIONS]:
                out.append(("cross", s, f"negmas:{a}", {d: (s if d == c else f"negmas:{a}") for d in countries}))
    return out


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    deals = rows[rows["deal"]]
    return pd.Series({
        "agreement": rows["deal"].mean(),
        "welfare": rows["welfare"].mean(),
        "nash_distance": deals["nash_distance"].mean() if len(deals) else np.nan,
        "pareto_distance": deals["pareto_distance"].mean() if len(deals) else np.nan,
        "weakly_efficient": (deals["pareto_distance"] <= 1e-6).mean() if len(deals) else np.nan,
        "ours_utility": rows["ours_utility"].mean(),
        "theirs_utility": rows["theirs_utility"].mean(),
        "runs": len(rows),
    })


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="runs per match and seating (default 10)")
    parser.add_argument("--domains", default=",".join(DOMAINS), help="comma-separated (default all)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "negmas_agents.csv"), help="every row (CSV)")
    parser.add_argument("--tables", metavar="CSV,...", help="only print the tables of earlier runs' rows")
    args = parser.parse_args(argv)
    if args.tables:
        return tables(pd.concat([pd.read_csv(f) for f in args.tables.split(",")], ignore_index=True))
    try:
        from bargaining.negmas import require

        require("benchmarks/negmas_agents.py")
    except Exception as exc:  # noqa: BLE001 -- the extra is optional: say so and stop
        print(exc)
        return 0
    import negmas

    seeds = list(range(args.seeds))
    frames, started = [], time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.domains.split(","):
            folder = genius_folder(name, DOMAINS[name], Path(tmp))
            countries = load_scenario(str(folder)).countries
            for kind, ours, theirs, seats in tqdm(matches(countries), desc=name, file=sys.stderr):
                rows = play(folder, seats, seeds, POINTS.get(name))
                mine = [c for c, s in seats.items() if s == ours]
                others = [c for c in countries if c not in mine] or mine
                rows["ours_utility"] = rows[[f"u.{c}" for c in mine]].mean(axis=1)
                rows["theirs_utility"] = rows[[f"u.{c}" for c in others]].mean(axis=1)
                rows = rows[["deal", "welfare", "nash_distance", "pareto_distance", "ours_utility", "theirs_utility"]]
                frames.append(rows.assign(domain=name, parties=len(countries), kind=kind, ours=ours, theirs=theirs))
    table = pd.concat(frames, ignore_index=True)
    table.to_csv(args.out, index=False)
    cpu = time.process_time() - started
    print(f"NegMAS {negmas.__version__}, {args.seeds} seeds per match and seating, {cpu:.0f} s CPU; rows: {args.out}\n")
    return tables(table)


def tables(table: pd.DataFrame) -> int:
    """Print the markdown tables of the rows."""
    table = table.assign(deal=table["deal"].astype(bool))
    print(f"Domains: {', '.join(table['domain'].unique())}\n")

    selfplay = table[table["kind"] == "self"].groupby(["ours"], sort=False).apply(summarise, include_groups=False)
    print("Self-play, over all domains (every seat the same):\n")
    print(selfplay[COLUMNS].to_markdown(floatfmt=".3f"))
    by_domain = table[table["kind"] == "self"].assign(family=lambda t: np.where(t["ours"].str.startswith("negmas:"),
                                                                                "ANAC agents", "bargaining"))
    per = by_domain.groupby(["domain", "family"], sort=False).apply(summarise, include_groups=False)
    print("\nSelf-play per domain (mean over the strategies of each family):\n")
    print(per[COLUMNS].to_markdown(floatfmt=".3f"))
    cross = table[table["kind"] == "cross"].groupby(["ours", "theirs"], sort=False).apply(summarise,
                                                                                           include_groups=False)
    print("\nCross-play, over all domains (one country plays ours, the others theirs, each country in turn):\n")
    print(cross[["agreement", "ours_utility", "theirs_utility", "welfare", "nash_distance", "pareto_distance",
                 "weakly_efficient", "runs"]].to_markdown(floatfmt=".3f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
