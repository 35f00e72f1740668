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
from bargaining.domestic.shocks import Shock, applied_to_all
from bargaining.model import NegotiationModel
from bargaining.parameter_sets import DOMESTIC_FIELDS, Variants, sets_of, structure
from bargaining.scenario import Scenario, bundled
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
        for kind, names in DOMESTIC_FIELDS.items():  # a constituency's numbers (some beyond their bounds)
            if getattr(country, kind) is not None:
                out += [(f"{code}.{kind}.{name}", st.floats(-0.1, 1.1)) for name in names]
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
            out += domestic_paths(code, country, issue)
    for issue in scenario.space:  # a status quo (some beyond the issue's bounds)
        if issue.kind == "continuous" and issue.status_quo is not None:
            lo, hi = issue.bounds
            out.append((f"issues.{issue.name}.status_quo", st.floats(lo - 0.05 * (hi - lo), hi)))
    return out


def domestic_paths(code, country, issue) -> list[tuple[str, st.SearchStrategy]]:
    """The paths of a country's constituencies on one issue (weights, points; some invalid), and its new
    government's batched strategy parameters."""
    out = []
    if country.congress is not None:
        out.append((f"{code}.congress.weights.{issue.name}", st.floats(-0.05, 1.0)))
    if issue.name == next(iter(country.weights), None):  # whole tables (some not summing to 1)
        names = list(country.weights)
        tables = st.lists(st.floats(0.0, 1.0), min_size=len(names), max_size=len(names)).map(
            lambda w: dict(zip(names, [x / sum(w) if sum(w) > 0.5 else x for x in w], strict=True)))
        out.append((f"{code}.weights", tables))
        if country.congress is not None:
            out.append((f"{code}.congress.weights", tables))
    if issue.kind == "continuous":
        lo, hi = issue.bounds
        points = st.floats(lo, hi + 0.05 * (hi - lo))
        for kind, key in (("congress", "ideal"), ("auto_workers", "demands"), ("audience_costs", "set_points")):
            table = getattr(country, kind)
            if table is not None and (kind == "congress" or issue.name in getattr(table, key)):
                out.append((f"{code}.{kind}.{key}.{issue.name}", points))
    election = country.election
    if issue.name == next(iter(country.weights), None) and election is not None and election.strategy:
        batched = STRATEGIES[election.strategy.get("name", "time_dependent")].batched
        out += [(f"{code}.election.strategy.{name}", st.floats(-0.2, 3.0)) for name in sorted(batched)]
    return out


def apart(chosen: list[tuple[str, st.SearchStrategy]]) -> list[tuple[str, st.SearchStrategy]]:
    """No path beside a whole table it lies in (an override along a table given as a value writes into it)."""
    given = dict(chosen)
    return [(p, v) for p, v in chosen if not any(p.startswith(f"{q}.") for q in given)]


@st.composite
def tables(draw):
    name = draw(st.sampled_from(SCENARIOS))
    scenario = BASE[name]
    chosen = apart(draw(st.lists(st.sampled_from(paths(scenario)), min_size=1, max_size=3, unique_by=lambda p: p[0])))
    size = draw(st.integers(1, 6))
    table = {path: draw(st.lists(values, min_size=size, max_size=size)) for path, values in chosen}
    seeds = draw(st.lists(st.integers(0, 2**64 - 1), min_size=size, max_size=size))
    return name, table, seeds


def text(value) -> str:
    """A value as ``--set`` writes it (a table: TOML's inline table)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {v!r}" for k, v in value.items()) + "}"
    return f"{value}"


def check_rows(scenario, table: dict, seeds: list[int]) -> None:
    """Each replication of the batch against a single run of its row; or, if the batch refuses the table, the
    row it names refuses alone too."""
    try:
        batch = bargaining.run_batch(scenario, seeds, parameters=table)
    except ScenarioError as exc:
        row = int(str(exc).split("parameters row ")[1].split(":")[0])
        with pytest.raises(ScenarioError):
            bargaining.run(scenario, overrides=[f"{p}={text(v[row])}" for p, v in table.items()], seed=seeds[row])
        return
    for r, seed in enumerate(seeds):
        alone = bargaining.run(scenario, overrides=[f"{p}={text(v[r])}" for p, v in table.items()], seed=seed,
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


@pytest.mark.parametrize("name", ["nafta-2017", "port-expansion", "uk-eu-2020"])
def test_every_replication_its_own_weights(name):
    """Every row its own weights for every country (and, in some rows, another strategy): every replication is a
    preference group of its own, whose concession paths are built together (``offers.concession_paths_of``) and
    cut together (``offers.offers``), as its single run builds and cuts its own."""
    scenario = BASE[name]
    n = 12
    rng = np.random.default_rng(17)
    table = {}
    for code, country in scenario.spec.countries.items():
        issues = list(country.weights)
        weights = np.round(rng.dirichlet(np.ones(len(issues)) * 2.0, size=n), 6)
        weights[:, -1] = np.round(1.0 - weights[:, :-1].sum(axis=1), 6)
        table.update({f"{code}.weights.{issue}": weights[:, j] for j, issue in enumerate(issues)})
    two = len(scenario.countries) == 2
    names = [n for n in ("opponent_model", "tit_for_tat", "boulware") if two or not STRATEGIES[n].classifier[
        "two_party_only"]]
    table[f"{scenario.countries[0]}.strategy.name"] = [names[r % len(names)] for r in range(n)]
    check_rows(scenario, table, list(range(100, 100 + n)))


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


# -------------------------------------------------------------- numbers checked column-wise (parameter_sets.sets_of)

FAST_PATHS = ("US.termination_value", "CA.belief", "MX.belief", "CA.strategy.beta", "threat.belief_erosion",
              "noise.aspiration", "noise.belief")


@pytest.mark.parametrize("path, bad, found", [
    ("US.termination_value", float("nan"), "found nan"),
    ("CA.strategy.beta", float("inf"), "found inf"),
    ("noise.belief", -float("inf"), "found -inf"),
    ("threat.belief_erosion", -0.5, "expected greater than or equal to 0, found -0.5"),
    ("MX.belief", 1.5, "expected less than or equal to 1, found 1.5"),
    ("CA.strategy.beta", 0.0, "expected greater than 0, found 0.0"),
    ("noise.aspiration", 10**400, "expected a valid number, found 1000"),
    ("noise.aspiration", True, "expected a valid number, found True"),
    ("CA.belief", "high", "expected a valid number, found 'high'"),
    ("US.termination_value", [0.5], "expected a valid number, found [0.5]"),
])
def test_a_bad_number_is_the_error_its_row_gives_alone(path, bad, found, monkeypatch):
    """A bad value in a column of numbers names its row, the path, what was expected and what was found, exactly
    as the row's own overrides do; it is found without a scenario per row (only the bad row's, for its message),
    and nothing runs."""
    scenario = bargaining.load_scenario("nafta-2017")
    n, row = 400, 237
    rng = np.random.default_rng(1)
    table = {p: rng.uniform(0.01, 0.09, n).tolist() for p in FAST_PATHS}
    table[path][row] = bad
    with pytest.raises(ScenarioError) as alone:
        scenario.with_overrides({p: v[row] for p, v in table.items()})
    built, ran = [], []
    with_overrides = Scenario.with_overrides
    monkeypatch.setattr(Scenario, "with_overrides", lambda self, o: built.append(o) or with_overrides(self, o))
    monkeypatch.setattr(NegotiationModel, "run", lambda self: ran.append(self))
    with pytest.raises(ScenarioError) as info:
        bargaining.run_batch(scenario, range(n), parameters=table)
    text = str(info.value)
    assert text == f"parameters row {row}: {alone.value}"
    key = "countries." + path if path.split(".")[0] in scenario.countries else path
    assert text.startswith(f"parameters row {row}: nafta-2017: {key}: ") and found in text and "\n" not in text
    assert [o for o in built if o] == [{p: v[row] for p, v in table.items()}] and not ran  # the bad row only


def test_the_first_bad_row_is_named_whichever_column_holds_it():
    """A bad number (checked column-wise) and a bad deadline (checked per distinct value): the earlier row."""
    deadline, termination = [6] * 10, [0.5] * 10
    deadline[3], termination[6] = 0, 2.0
    for table, row in (({"protocol.deadline_round": deadline, "US.termination_value": termination}, 3),
                       ({"protocol.deadline_round": deadline[::-1], "US.termination_value": termination}, 6)):
        with pytest.raises(ScenarioError) as info:
            bargaining.run_batch("nafta-2017", range(10), parameters=table)
        assert str(info.value).startswith(f"parameters row {row}: ")


@pytest.mark.parametrize("table", [
    {"CA.strategy.beta": [0.5, 2.0, 0.7], "CA.strategy.name": ["boulware", "conceder", "tit_for_tat"]},
    {"CA.strategy.name": ["boulware", "conceder", "time_dependent"], "CA.strategy.beta": [0.5, 2.0, 0.7]},
    {"US.termination_value": [0.2, 0.5, 0.8], "countries.US.termination_value": [0.9, 0.1, 0.4]},
    {"noise.aspiration": [0.0, 0.05, 0.1], "noise": ["{aspiration = 0.02}", "{belief = 0.1}", "{}"]},
    {"CA.belief": [0.1, 0.9, 0.5], "threat.country": ["US", "CA", "MX"]},
    {"US.strategy": ["{name = 'time_dependent', beta = 0.5}", "{name = 'time_dependent'}", "{beta = 2.0}"]},
])
def test_columns_that_other_columns_override_along_are_the_rows_own(table):
    """A number whose table, strategy or key another column also sets, or that means something else in some rows
    (a belief in a threat another country makes), gives what each row gives alone."""
    check_rows(bargaining.load_scenario("nafta-2017", {"noise.aspiration": 0.05}), table, [11, 12, 13])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(STRATEGIES)), st.sampled_from(["polynomial", "exponential"]), st.sampled_from([0.0, 0.1]),
       st.floats(0.01, 50.0))
def test_model_validators_read_only_the_fields_they_name(name, form, kappa, value):
    """``validator_reads``: a column of a batched parameter that no model validator reads is validated once for all
    its values (``parameter_sets._valid``): no value of it may change a validator's answer."""
    model = STRATEGIES[name].Params
    validators, reads = model.__pydantic_decorators__.model_validators, getattr(model, "validator_reads", {})
    others = {k: v for k, v in {"form": form, "kappa": kappa}.items() if k in model.model_fields}

    def passes(validator, params):  # the validator alone (the field's own bounds are checked column-wise)
        try:
            validators[validator].func(model.model_construct(**params))
        except ValueError:
            return False
        return True

    for field in STRATEGIES[name].batched:
        for validator in validators:
            if field not in reads.get(validator, (field,)):
                assert passes(validator, {**others, field: value}) == passes(validator, {**others, field: 1.0})


@pytest.mark.parametrize("strategy", [{"form": "exponential", "kappa": 0.1}, {"form": "polynomial", "kappa": 0.2}])
def test_a_batched_parameter_beside_model_validators_is_each_rows_own(strategy):
    scenario = bargaining.load_scenario("nafta-2017", {f"CA.strategy.{k}": v for k, v in strategy.items()})
    check_rows(scenario, {"CA.strategy.beta": [0.5, 2.0, 0.7], "US.termination_value": [0.2, 0.6, 0.4]}, [7, 8, 9])


def test_a_termination_value_beside_a_reservation_value_fails_as_alone():
    """Within its bounds, yet invalid where the country has a reservation value (``checks.check_walk_away``)."""
    with pytest.raises(ScenarioError) as alone:
        bargaining.load_scenario("port-expansion").with_overrides({"PA.termination_value": 0.3})
    with pytest.raises(ScenarioError) as info:
        bargaining.run_batch("port-expansion", [1, 2], parameters={"PA.termination_value": [0.3, 0.4]})
    assert str(info.value) == f"parameters row 0: {alone.value}"


@st.composite
def number_tables(draw):
    """A table of numbers the model holds per replication (some with a column of levels or strategies)."""
    name = draw(st.sampled_from(SCENARIOS))
    scenario = BASE[name]
    numeric = [(p, v) for p, v in paths(scenario) if p.endswith(("termination_value", ".belief", ".beta",
                                                                   "belief_erosion", "noise.aspiration",
                                                                   ".threshold", ".rate", ".floor", ".cost"))
               or any(part in p for part in (".weights", ".status_quo", ".ideal.", ".demands.", ".set_points."))]
    other = [(p, v) for p, v in paths(scenario) if (p, v) not in numeric]
    chosen = draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=4, unique_by=lambda p: p[0]))
    chosen = apart(chosen + draw(st.lists(st.sampled_from(other), max_size=1)))
    size = draw(st.integers(1, 12))
    return name, {path: draw(st.lists(values, min_size=size, max_size=size)) for path, values in chosen}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(number_tables())
def test_the_arrays_of_a_table_are_those_of_a_scenario_per_row(case):
    """``Variants`` of a table built column-wise equal those built from a scenario per distinct row, field by
    field, bit for bit; so do the rows that fail."""
    name, table = case
    assert_fast_is_slow(BASE[name], table)


@st.composite
def cross_field_tables(draw):
    """A table of nafta-2017's columns checked by cross-field rules (weights, constituencies' points, a status quo,
    the new government's beta), maybe with another column."""
    scenario = BASE["nafta-2017"]
    every = paths(scenario)
    ruled = [(p, v) for p, v in every if any(part in p for part in (
        ".weights", ".status_quo", "congress.ideal.", ".demands.", ".set_points.", "election.strategy."))]
    chosen = draw(st.lists(st.sampled_from(ruled), min_size=1, max_size=8, unique_by=lambda p: p[0]))
    chosen += draw(st.lists(st.sampled_from(every), max_size=1))
    chosen = apart(chosen)
    size = draw(st.integers(1, 8))
    return {path: draw(st.lists(values, min_size=size, max_size=size)) for path, values in dict(chosen).items()}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cross_field_tables())
def test_columns_checked_by_cross_field_rules_give_the_arrays_of_a_scenario_per_row(table):
    """Weights (an override of one rescales the others), constituencies' points, a status quo and a new
    government's beta, checked and built column-wise: the arrays and failures of a scenario per row."""
    assert_fast_is_slow(BASE["nafta-2017"], table)


def assert_fast_is_slow(scenario, table):
    """``sets_of`` and ``Variants.of`` column-wise and with a scenario per row give the same."""
    size = len(next(iter(table.values())))
    fast = sets_of(scenario, table, size, errors=True)
    slow = sets_of(scenario, table, size, errors=True, slow=True)
    assert fast[2].keys() == slow[2].keys()
    assert [str(e) for e in fast[2].values()] == [str(e) for e in slow[2].values()]
    rows = np.flatnonzero(fast[1] >= 0)
    assert np.array_equal(rows, np.flatnonzero(slow[1] >= 0))
    if not rows.size:
        return
    for r in rows:  # a set's scenario is its row's
        assert fast[0][fast[1][r]].raw == scenario.with_overrides({p: v[r] for p, v in table.items()}).raw
    same = [structure(fast[0].base_of(c)) for c in fast[1][rows]]
    for key in dict.fromkeys(same):
        mine = rows[[s == key for s in same]]
        x, y = Variants.of(fast[0], fast[1][mine]), Variants.of(slow[0], slow[1][mine])
        # each replication's preferences (the groups may be numbered otherwise: the fast way builds fewer bases)
        assert [x.groups[g].fingerprint for g in x.group] == [y.groups[g].fingerprint for g in y.group]
        assert [x.status_quo_utility[g].tobytes() for g in x.group] == [
            y.status_quo_utility[g].tobytes() for g in y.group]
        assert [None if x.status_quo[g] is None else x.status_quo[g].tobytes() for g in x.group] == [
            None if y.status_quo[g] is None else y.status_quo[g].tobytes() for g in y.group]
        for attribute in ("termination", "beliefs", "belief_noise", "aspiration_noise", "erosion"):
            a, b = getattr(x, attribute), getattr(y, attribute)
            assert a.tobytes() == b.tobytes(), attribute
        assert x.domestic.keys() == y.domestic.keys()
        for key in x.domestic:
            assert x.domestic[key].keys() == y.domestic[key].keys()
            for name, a in x.domestic[key].items():
                assert identical(a, y.domestic[key][name]), (key, name)
        for code in x.params:
            assert identical(x.params[code], y.params[code]), code


def identical(a, b) -> bool:
    """Arrays with the same bits, or strategy parameters with the same fields, each of the same type and bits."""
    if isinstance(a, np.ndarray):
        return type(b) is np.ndarray and a.tobytes() == b.tobytes()
    a, b = vars(a), vars(b)
    return a.keys() == b.keys() and all(type(a[k]) is type(b[k]) and (a[k].tobytes() == b[k].tobytes() if isinstance(
        a[k], np.ndarray) else a[k] == b[k]) for k in a)


# -------------------------------------------------------------- domestic politics and the status quo per replication

NAFTA = bargaining.load_scenario("nafta-2017", {"noise.aspiration": 0.05})
ISSUES = [i.name for i in NAFTA.space]


def unit(draw_weights):
    """A weight table summing to 1 over nafta-2017's issues (some issues left out: weight 0)."""
    return draw_weights.map(lambda w: {i: v / sum(w) for i, v in zip(ISSUES, w, strict=True) if v > 0})


#: Every number of nafta-2017's constituencies (it has every kind) and its issues' status quo, with values (mostly
#: valid, some not), and a few paths that split preference groups beside them.
DOMESTIC_PATHS = [
    ("US.congress.threshold", st.floats(0.0, 1.0)),
    ("US.congress.ideal.auto_rvc", st.floats(50.0, 85.0).map(lambda v: round(v, 2))),
    ("US.congress.ideal.de_minimis", st.floats(0.0, 800.0)),
    ("US.congress.ideal.sunset", st.sampled_from(NAFTA.space.issues[2].levels)),
    ("US.congress.weights", unit(st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3]), min_size=8, max_size=8)
                                 .filter(lambda w: sum(w) > 0))),
    ("US.lobby.rate", st.floats(0.0, 0.05)),
    ("US.lobby.floor", st.floats(0.0, 0.3)),
    ("US.auto_workers.rate", st.floats(0.0, 0.3)),  # 0: refused, as alone
    ("US.auto_workers.demands.auto_rvc", st.floats(50.0, 85.0).map(lambda v: round(v, 1))),
    ("CA.audience_costs.cost", st.floats(0.05, 1.0)),
    ("CA.audience_costs.floor", st.floats(0.0, 1.0)),
    ("CA.audience_costs.set_points.auto_rvc", st.floats(62.5, 85.0).map(lambda v: round(v, 1))),
    ("MX.audience_costs.cost", st.floats(0.05, 1.0)),
    ("MX.audience_costs.floor", st.floats(0.0, 1.0)),
    ("MX.audience_costs.set_points.auto_rvc", st.sampled_from([62.5, 70.0, 80.0, 85.0])),
    ("MX.audience_costs.set_points.procurement", st.sampled_from(NAFTA.space.issues[4].levels)),
    ("MX.election.strategy.beta", st.floats(0.2, 3.0)),
    ("MX.election.termination_value", st.floats(0.0, 1.0)),
    ("issues.de_minimis.status_quo", st.floats(0.0, 800.0)),
    ("issues.auto_rvc.status_quo", st.sampled_from([50.0, 62.5, 70.0])),
    ("issues.sunset.status_quo", st.sampled_from(NAFTA.space.issues[2].levels)),
    ("US.termination_value", st.floats(0.0, 0.5)),
    ("CA.red_lines.auto_rvc", st.sampled_from([62.5, 70.0, 75.0])),
]


@st.composite
def domestic_tables(draw):
    chosen = draw(st.lists(st.sampled_from(DOMESTIC_PATHS), min_size=1, max_size=5, unique_by=lambda p: p[0]))
    size = draw(st.integers(1, 6))
    table = {path: draw(st.lists(values, min_size=size, max_size=size)) for path, values in chosen}
    seeds = draw(st.lists(st.integers(0, 2**64 - 1), min_size=size, max_size=size))
    return table, seeds


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(domestic_tables())
def test_domestic_numbers_and_status_quo_per_replication_are_each_rows_single_run(case):
    """Congress, the lobby, the auto workers, audience costs, the new government and the status quo, each replication
    its own: every replication of the one model is its row's single run."""
    table, seeds = case
    check_rows(NAFTA, table, seeds)


def test_every_priors_2017_draw_shares_one_structure_and_runs_in_one_model(monkeypatch):
    """priors-2017 varies domestic politics, weights (Congress' too) and a status quo: all its draws are one
    structure, one model, and each replication is its draw's single run."""
    from bargaining.calibration.abc import Problem, run_sets
    from bargaining.calibration.observations import load_observations
    from bargaining.calibration.priors import load_priors
    from bargaining.cli.calibrate import bundled_file

    scenario = bargaining.load_scenario("nafta-2017")
    problem = Problem(scenario, load_observations(bundled_file("observations-2017"), scenario),
                      load_priors(bundled_file("priors-2017"), scenario))
    priors, rng = problem.priors, np.random.default_rng(11)
    draws = [priors.overrides(dict(zip(priors.names, rng.standard_normal(len(priors.names)).tolist(), strict=True)))
             for _ in range(24)]
    table = [priors.as_override(d) for d in draws]
    columns = {path: [row[path] for row in table] for path in table[0]}
    assert {"countries.US.congress.threshold", "countries.MX.election.strategy.beta",
            "issues.de_minimis.status_quo", "countries.US.congress.weights"} <= set(columns)
    sets, case, failed = sets_of(scenario, columns, len(draws), errors=True)
    assert not failed and len({structure(sets.base_of(c)) for c in range(len(sets))}) == 1
    models = []
    init = NegotiationModel.__init__
    monkeypatch.setattr(NegotiationModel, "__init__", lambda self, *a, **k: models.append(1) or init(self, *a, **k))
    ok, batch = run_sets(problem, draws, list(range(len(draws))))
    assert len(models) == 1 and len(ok) == len(draws)
    for r in range(0, len(draws), 3):
        alone = bargaining.run(scenario.with_overrides(table[r]), seed=r, record=False)
        assert batch.result(r).to_dict() == alone.to_dict(), r


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_shock_applied_to_many_groups_at_once_is_applied_to_each(data):
    """``applied_to_all`` (the parts of one shock, every group's new ideal points and red lines at once) gives
    each group exactly what ``Shock.applied_to`` gives it alone: the same arrays bit for bit, None where nothing
    changes (a red line on the ideal point, -0.0 beside 0.0, a looser line kept by ``tighten``)."""
    prefs = BASE["nafta-2017"].preferences
    n, k = prefs.ideal.shape
    points = st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0]) | st.floats(0.0, 1.0)
    issues = data.draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=3, unique=True))
    moves_ideal, tighten = data.draw(st.booleans()), data.draw(st.booleans())
    country = data.draw(st.sampled_from(prefs.countries))
    groups, shocks = [], []
    for _ in range(data.draw(st.integers(1, 5))):
        row, ideal, lo, hi = prefs.index(country), prefs.ideal.copy(), prefs.lo.copy(), prefs.hi.copy()
        ideal[row, issues] = data.draw(st.lists(points, min_size=len(issues), max_size=len(issues)))
        lo[row, issues] = data.draw(st.lists(st.sampled_from([0.0, 0.2]), min_size=len(issues), max_size=len(issues)))
        hi[row, issues] = data.draw(st.lists(st.sampled_from([1.0, 0.8]), min_size=len(issues), max_size=len(issues)))
        groups.append(prefs.replace(ideal=ideal, lo=lo, hi=hi))
        values = {i: data.draw(points) for i in issues}
        shocks.append(Shock(country, ideal=values if moves_ideal else {},
                            red_lines={i: data.draw(points) for i in issues}, tighten=tighten))
    for got, shock, group in zip(applied_to_all(shocks, groups), shocks, groups, strict=True):
        want = shock.applied_to(group)
        assert (got is None) == (want is None)
        if want is not None:
            for name in ("ideal", "lo", "hi", "weights", "termination"):
                assert getattr(got, name).tobytes() == getattr(want, name).tobytes(), name



@pytest.mark.parametrize("sets", [1, 2, 3, 9])
def test_utilities_in_some_rows_are_those_of_all_rows(sets):
    """``NegotiationModel._utilities_in`` (a round's deals' utilities, computed in their rows alone) gives the bits
    of ``utilities`` of every row, picked: with one preference group, a few (``_row_wise``) and many (stacked); and
    ``utilities`` and ``within_red_lines`` give ``per_group``'s (each group's rows alone)."""
    scenario = BASE["nafta-2017"]
    n, rng = 40, np.random.default_rng(sets)
    table = {}
    for code, country in scenario.spec.countries.items():
        issues = list(country.weights)
        weights = np.round(rng.dirichlet(np.ones(len(issues)) * 2.0, size=sets), 6)
        weights[:, -1] = np.round(1.0 - weights[:, :-1].sum(axis=1), 6)
        table.update({f"{code}.weights.{issue}": weights[np.arange(n) % sets, j] for j, issue in enumerate(issues)})
    cases, case = bargaining.simulate.parameter_sets(scenario, table, n)
    model = NegotiationModel(cases.base_of(0), seeds=range(n), record=False, variants=Variants.of(cases, case))
    assert len(model.groups) == sets
    packages = rng.uniform(0.0, 1.0, (n, len(model.space)))
    for rows in (np.ones(n, dtype=bool), rng.uniform(size=n) < 0.3, np.arange(n) == 5):
        some_rows, all_rows = model._utilities_in(packages, rows), model.utilities(packages)[rows]
        assert some_rows.shape == all_rows.shape and identical(some_rows, all_rows)
    packages[::3] = rng.uniform(-0.2, 1.2, (len(packages[::3]), packages.shape[1]))  # some across red lines
    for name in ("utility", "within_red_lines"):
        mine, groups = getattr(model, "utilities" if name == "utility" else name)(packages), model.per_group(
            getattr(type(model.groups[0]), name), packages)
        assert mine.dtype == groups.dtype and identical(mine, groups), name
    if name == "within_red_lines" and sets > 1:
        assert not mine.all()  # (some packages are refused)
    kept = np.flatnonzero(np.arange(n) % 3 != 1)
    for change in ("rows cut (compaction)", "a group moved (a shock)"):  # ``_stacked``'s picks: made again
        if change.startswith("rows"):
            model.keep(kept)
        elif sets > 1:
            model._move_group(1, model.groups[1], model.groups[2 % sets], model.group == 1, False)
        for name in ("utility", "within_red_lines"):
            mine = getattr(model, "utilities" if name == "utility" else name)(packages[kept])
            assert identical(mine, model.per_group(getattr(type(model.groups[0]), name), packages[kept])), change
