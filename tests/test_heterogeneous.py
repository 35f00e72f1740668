"""Heterogeneous batches: every replication its own parameter set (``run_batch(..., parameters=...)``).

Replication r of a batch with a parameter table must be exactly ``run(scenario, overrides=[f"{path}={value[r]}"
...], seed=seeds[r])``, bit for bit, whatever the table holds (numbers, ordinal levels, strategy names, red lines,
value tables, the protocol, the deadline) and whatever the batch's size, order or company; a bad value is one
error naming its row and path, and a row whose single run raises makes the batch raise.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bargaining
from bargaining import ScenarioError
from bargaining.model import NegotiationModel
from bargaining.parameter_sets import structure
from bargaining.scenario import bundled
from bargaining.strategies import STRATEGIES

PROTOCOLS = ("alternating_offers", "single_text", "bilateral_first")
FIELDS = ("outcome", "round", "notice_round", "signed", "signatories", "supporters", "ratified", "utilities",
          "walk_away")
SCENARIOS = sorted(bundled())
BASE = {name: bargaining.load_scenario(name, {"noise.aspiration": 0.05}) for name in SCENARIOS}


def paths(scenario) -> list[tuple[str, st.SearchStrategy]]:
    """Every kind of path a table may vary in this scenario, with values (mostly valid, some not)."""
    out = [("noise.aspiration", st.floats(0.0, 0.1)), ("threat.belief_erosion", st.floats(0.0, 0.5)),
           ("protocol.deadline_round", st.integers(2, 9)), ("protocol.name", st.sampled_from(PROTOCOLS)),
           ("noise.belief", st.floats(0.0, 0.3))]
    two = len(scenario.countries) == 2
    names = sorted(n for n, cls in STRATEGIES.items() if two or not cls.classifier["two_party_only"])
    for code, country in scenario.spec.countries.items():
        out += [(f"{code}.termination_value", st.floats(0.0, 1.0)), (f"{code}.strategy.name", st.sampled_from(names))]
        if country.strategy.name in STRATEGIES and "beta" in STRATEGIES[country.strategy.name].batched:
            out.append((f"{code}.strategy.beta", st.floats(0.2, 3.0)))
        if scenario.spec.threat.country not in (None, code):
            out.append((f"{code}.belief", st.floats(0.0, 1.0)))
        for issue in scenario.space:
            if issue.kind == "continuous":
                lo, hi = issue.bounds
                values = st.floats(lo, hi).map(lambda v: round(v, 3))
                out += [(f"{code}.ideal.{issue.name}", values), (f"{code}.red_lines.{issue.name}", values)]
            elif issue.kind == "ordinal":
                out.append((f"{code}.ideal.{issue.name}", st.sampled_from(issue.levels)))
            else:  # categorical: red lines are options ruled out
                out.append((f"{code}.red_lines.{issue.name}",
                            st.lists(st.sampled_from(issue.levels), max_size=2, unique=True)))
            if issue.name in country.values:
                table = country.values[issue.name]
                if isinstance(table, dict):
                    for option in table:
                        out.append((f"{code}.values.{issue.name}.{option}", st.floats(0.0, 10.0)))
            out.append((f"{code}.weights.{issue.name}", st.floats(0.0, 1.0)))
    return out


@st.composite
def tables(draw):
    name = draw(st.sampled_from(SCENARIOS))
    scenario = BASE[name]
    chosen = draw(st.lists(st.sampled_from(paths(scenario)), min_size=1, max_size=3, unique_by=lambda p: p[0]))
    size = draw(st.integers(1, 6))
    table = {path: draw(st.lists(values, min_size=size, max_size=size)) for path, values in chosen}
    seeds = draw(st.lists(st.integers(0, 2**64 - 1), min_size=size, max_size=size))
    return name, table, seeds


def check_rows(scenario, table: dict, seeds: list[int]) -> None:
    """Each replication of the batch against a single run of its row; or, if the batch refuses the table, the
    row it names refuses alone too."""
    try:
        batch = bargaining.run_batch(scenario, seeds, parameters=table)
    except ScenarioError as exc:
        row = int(str(exc).split("parameters row ")[1].split(":")[0])
        with pytest.raises(ScenarioError):
            bargaining.run(scenario, overrides=[f"{p}={v[row]}" for p, v in table.items()], seed=seeds[row])
        return
    for r, seed in enumerate(seeds):
        alone = bargaining.run(scenario, overrides=[f"{p}={v[r]}" for p, v in table.items()], seed=seed,
                               record=False)
        got = batch.result(r)
        assert got.to_dict() == alone.to_dict(), (r, table)
        assert (got.package is None) == (alone.package is None)
        if alone.package is not None:
            assert np.array_equal(got.package, alone.package)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_replication_is_its_rows_single_run(case):
    name, table, seeds = case
    check_rows(BASE[name], table, seeds)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_strategy_and_protocol_in_one_table(name):
    """A table mixing every strategy and protocol with per-replication numbers, for every bundled scenario."""
    scenario = BASE[name]
    two = len(scenario.countries) == 2
    names = sorted(n for n, cls in STRATEGIES.items() if two or not cls.classifier["two_party_only"])
    code = scenario.countries[0]
    size = len(names) * len(PROTOCOLS)
    rng = np.random.default_rng(7)
    table = {f"{code}.strategy.name": names * len(PROTOCOLS),
             "protocol.name": [p for p in PROTOCOLS for _ in names],
             f"{scenario.countries[-1]}.termination_value": rng.uniform(0, 1, size),
             "noise.aspiration": rng.uniform(0, 0.1, size)}
    check_rows(scenario, table, list(range(size)))


def test_one_model_per_structure_and_numbers_per_replication():
    """nafta-2017 over termination values, beliefs, betas, erosion and noise runs as one model: one structure."""
    scenario = bargaining.load_scenario("nafta-2017")
    rng = np.random.default_rng(3)
    table = {"US.termination_value": rng.uniform(0, 1, 50), "CA.belief": rng.uniform(0, 1, 50),
             "MX.strategy.beta": rng.uniform(0.2, 3, 50), "threat.belief_erosion": rng.uniform(0, 0.5, 50),
             "noise.aspiration": rng.uniform(0, 0.1, 50)}
    cases, case = bargaining.simulate.parameter_sets(scenario, table, 50)
    assert len({structure(c) for c in cases}) == 1 and len(cases) == 50
    assert structure(bargaining.load_scenario("nafta-2017", {"protocol.deadline_round": 5})) != structure(cases[0])
    check_rows(scenario, {p: v[:12] for p, v in table.items()}, list(range(12)))


def test_the_batch_size_order_and_company_change_nothing():
    scenario = bargaining.load_scenario("nafta-2017", {"noise.aspiration": 0.08})
    rng = np.random.default_rng(5)
    n = 200
    table = pd.DataFrame({"US.termination_value": rng.uniform(0, 1, n), "CA.strategy.beta": rng.uniform(0.2, 3, n),
                          "protocol.deadline_round": rng.integers(4, 10, n),
                          "MX.strategy.name": rng.choice(["time_dependent", "tit_for_tat", "boulware"], n)})
    seeds = rng.integers(0, 2**63, n)
    big = bargaining.run_batch(scenario, seeds, parameters=table)
    order = rng.permutation(n)[:37]
    small = bargaining.run_batch(scenario, seeds[order], parameters=table.iloc[order])
    for name in FIELDS:
        x, y = getattr(big, name)[order], getattr(small, name)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    signed = big.signed[order]
    assert np.array_equal(big.package[order][signed], small.package[signed])
    # a one-set batch of the same rows gives the same replications
    row = order[0]
    same = bargaining.run_batch(scenario, seeds[order[:5]], overrides=table.iloc[row].to_dict())
    alone = bargaining.run_batch(scenario, seeds[order[:5]], parameters=table.iloc[[row] * 5])
    for name in FIELDS:
        x, y = getattr(same, name), getattr(alone, name)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def test_domestic_politics_per_replication():
    """nafta-2017's lobby, congress, election and audience costs act per replication while the termination
    values and red lines differ between them (preference groups split further as audiences harden)."""
    scenario = bargaining.load_scenario("nafta-2017", {"noise.aspiration": 0.08})
    n = 30
    table = {"US.termination_value": np.linspace(0.2, 0.9, n), "CA.red_lines.auto_rvc": np.linspace(62.5, 75, n)}
    check_rows(scenario, table, list(range(n)))


@pytest.mark.parametrize("table, message", [
    ({"US.termination_value": [0.5, 1.5]}, "parameters row 1: "),
    ({"US.termination_value": [0.5, float("nan")]}, "parameters row 1: "),
    ({"US.strategy.name": ["boulware", "no_such_strategy"]}, "parameters row 1: "),
    ({"US.no_such_key": [1, 2]}, "parameters row 0: "),
    ({"US.termination_value": [0.5]}, "parameters.US.termination_value: expected 2 values (one per seed), found 1"),
    ({"US.termination_value": 0.5}, "parameters.US.termination_value: expected one value per replication"),
    ([0.5, 0.6], "parameters: expected a dict"),
])
def test_a_bad_value_is_one_error_naming_row_and_path(table, message, monkeypatch):
    ran = []
    monkeypatch.setattr(NegotiationModel, "run", lambda self: ran.append(self))
    with pytest.raises(ScenarioError) as info:
        bargaining.run_batch("nafta-2017", [1, 2], parameters=table)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    assert not ran  # nothing ran


def test_the_error_names_the_path_expected_and_found():
    with pytest.raises(ScenarioError) as info:
        bargaining.run_batch("nafta-2017", [1, 2, 3], parameters={"US.termination_value": [0.1, 0.2, 2.0]})
    text = str(info.value)
    assert text.startswith("parameters row 2: ") and "termination_value" in text and "2.0" in text


def test_strings_read_as_set_reads_them():
    """A string value is read as ``--set`` reads it (TOML, else the bare text)."""
    scenario = bargaining.load_scenario("nafta-2017")
    table = {"US.termination_value": ["0.25", "0.75"], "CA.strategy.name": ["boulware", "conceder"]}
    check_rows(scenario, table, [4, 5])
