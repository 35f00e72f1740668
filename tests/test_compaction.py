"""A batch leaves its ended replications out of the rounds' work (``NegotiationModel._compact``).

Once most replications of a batch have ended, every state with a replication axis is cut to the live rows: each
component names its (R, ...) attributes in ``per_replication`` (``per_replication.PerReplication``). Checked here:
no component holds an (R, ...) array it does not name (a new one fails here, whatever holds it), and compacted
batches give, bit for bit, what uncompacted batches and single runs give, for every bundled scenario, protocol and
strategy, and for random tables of parameter sets.
"""

import dataclasses
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_batch import FIELDS, NOISY, PROTOCOLS, cases
from test_heterogeneous import BASE, check_rows, tables

import bargaining
from bargaining.model import NegotiationModel
from bargaining.parameter_sets import Variants
from bargaining.per_replication import PerReplication
from bargaining.scenario import bundled
from bargaining.simulate import parameter_sets
from bargaining.strategies import STRATEGIES, Strategy

SIZE = 101  # prime: neither a number of countries, issues, levels nor rounds
SHARE = 0.9  # compact once a tenth of the rows has ended
RESULTS = {"_full", "belief_path", "failed_ratifications"}  # what the model keeps of every replication, full size


def compacting(**kwargs):
    """Compact as early and as often as possible: at 2 rows and above, once a tenth of the rows has ended."""
    return mock.patch.multiple(NegotiationModel, compact_min=2, compact_share=SHARE, **kwargs)


def never():
    return mock.patch.object(NegotiationModel, "compact_min", 10**9)


def arrays(root, path="model", seen=None):
    """(path, array) of every array reachable from ``root`` through the package's objects (not through the values
    replications share: frozen dataclasses such as the scenario, preferences and concession paths) and the
    containers holding them."""
    seen = set() if seen is None else seen
    if id(root) in seen:
        return
    seen.add(id(root))
    if isinstance(root, np.ndarray):
        yield path, root
    elif isinstance(root, list | tuple):
        for i, value in enumerate(root):
            yield from arrays(value, f"{path}[{i}]", seen)
    elif isinstance(root, dict):
        for key, value in root.items():
            yield from arrays(value, f"{path}[{key!r}]", seen)
    elif type(root).__module__.startswith("bargaining") and hasattr(root, "__dict__") and not (
            dataclasses.is_dataclass(root) and type(root).__dataclass_params__.frozen):
        for name, value in vars(root).items():
            if not (root.__class__ is NegotiationModel and name in RESULTS):
                yield from arrays(value, f"{path}.{name}", seen)


def undeclared(model: NegotiationModel, before: int) -> list[str]:
    """Arrays still as long as the batch before a compaction: held per replication but not named."""
    return [f"{path} {a.shape}" for path, a in arrays(model) if a.ndim and a.shape[0] == before]


def checking(count=None):
    """Compact whenever possible, checking after each compaction that nothing is left as long as the batch was
    (``count``: a list, gets one entry per compaction)."""
    original, count = NegotiationModel._compact, [] if count is None else count

    def compact(self):
        before = self.size
        original(self)
        if self.size < before and self._full is not None:
            count.append(before)
            if before < 20:  # as few rows as countries, issues or levels: lengths say nothing
                return
            missed = undeclared(self, before)
            assert not missed, f"(R, ...) arrays not named in per_replication: {missed}"

    return compacting(_compact=compact)


def checked_compactions(scenario, seeds, variants=None) -> tuple[NegotiationModel, int]:
    """Run a model that compacts whenever it can (``checking``); returns the model and how many compactions it
    made."""
    count = []
    with checking(count):
        model = NegotiationModel(scenario, seeds=seeds, variants=variants, record=False, offer_rounds=(2, 5, 9))
        model.run()
    return model, len(count)


STRATEGY_CASES = [(n, o) for n, o in cases() if "protocol.name" not in o]  # every strategy by every country


@pytest.mark.parametrize("name, overrides", [(n, {"protocol.name": p, **NOISY}) for n in sorted(bundled())
                                             for p in PROTOCOLS] + STRATEGY_CASES + [
    ("pie-split", {"A.strategy.name": "negmas:Atlas3", **NOISY}),
    ("nafta-2017", {"US.termination_value": 0.3, "ratification.on_failure": "resume", **NOISY}),
    ("nafta-2017", {"protocol.name": "bilateral_first", "US.termination_value": 0.6, "CA.red_lines.auto_rvc": 70,
                    **NOISY})], ids=str)
def test_every_array_with_a_replication_axis_is_named_and_compaction_changes_nothing(name, overrides):
    if any(str(v).startswith("negmas:") for v in overrides.values()):
        pytest.importorskip("negmas")
    scenario = bargaining.load_scenario(name, overrides)
    seeds = np.arange(SIZE) * 104729 + 3
    model, compactions = checked_compactions(scenario, seeds)
    with never():
        plain = NegotiationModel(scenario, seeds=seeds, record=False, offer_rounds=(2, 5, 9)).run()
    assert plain.size == model.size == SIZE and np.array_equal(model.index, np.arange(SIZE))
    same_models(model, plain)
    if (plain.ended < plain.ended.max()).mean() > 1 - SHARE:  # a tenth ends early
        assert compactions


def same_models(a: NegotiationModel, b: NegotiationModel) -> None:
    """What the models' replications ended with (after its end a replication's termination values and preference
    group are not its own, nor its beliefs: an uncompacted batch still applies events to every row)."""
    for name in ("seeds", "live", "outcomes", "ended", "final_utilities", "final_walk_away", "ratified", "offers"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert np.array_equal(a.clock.notice_round, b.clock.notice_round)
    for name in ("rows", "package", "signatories", "supporters", "proposer"):
        assert np.array_equal(getattr(a.agreement, name), getattr(b.agreement, name)), name
    x, y = np.array(a.belief_path), np.array(b.belief_path)  # (T, R, N): each replication's rounds
    own = np.arange(len(x))[:, None] < a.ended[None, :]
    assert x.shape == y.shape and np.array_equal(x[own], y[own], equal_nan=True)
    assert len(a.failed_ratifications) == len(b.failed_ratifications)
    for (r, m, v), (s, n, w) in zip(a.failed_ratifications, b.failed_ratifications, strict=True):
        assert r == s and np.array_equal(m, n) and np.array_equal(v, w)


def test_a_heterogeneous_batch_compacted_is_the_batch_uncompacted():
    """nafta-2017 over random termination values, betas, beliefs, erosion and noise (the benchmark's table): runs
    end in 7 rounds, 14 or at the horizon; the compacted model's state is named and its results are the same."""
    scenario = bargaining.load_scenario("nafta-2017")
    rng = np.random.default_rng(2)
    table = {"US.termination_value": rng.uniform(0, 1, SIZE), "CA.strategy.beta": rng.uniform(0.2, 3, SIZE),
             "MX.belief": rng.uniform(0, 1, SIZE), "threat.belief_erosion": rng.uniform(0, 0.5, SIZE),
             "noise.aspiration": rng.uniform(0, 0.1, SIZE)}
    sets, case = parameter_sets(scenario, table, SIZE)
    seeds = np.arange(SIZE)
    variants = Variants.of(sets, case)
    shared = sets.base_of(0)
    model, compactions = checked_compactions(shared, seeds, variants)
    assert compactions >= 2
    with never():
        plain = NegotiationModel(shared, seeds=seeds, record=False, offer_rounds=(2, 5, 9),
                                 variants=Variants.of(sets, case)).run()
    same_models(model, plain)
    assert np.array_equal(variants.erosion, table["threat.belief_erosion"])  # the caller's variants: not cut
    check_rows(scenario, {p: v[:8] for p, v in table.items()}, list(range(8)))


def test_domestic_numbers_per_replication_are_named():
    """nafta-2017 over its constituencies' numbers (lobby, Congress, auto workers, audience costs): whether the model
    holds them per replication (arrays, named) or runs a model per value, compacting changes no result."""
    scenario = bargaining.load_scenario("nafta-2017", NOISY)
    rows = 41  # prime, and enough rows for the check
    rng = np.random.default_rng(4)
    table = {"US.termination_value": rng.uniform(0.2, 0.9, rows), "US.lobby.rate": rng.uniform(0, 0.02, rows),
             "US.lobby.floor": rng.uniform(0, 0.3, rows), "US.congress.threshold": rng.uniform(0.3, 0.6, rows),
             "US.auto_workers.rate": rng.uniform(0.01, 0.2, rows), "CA.audience_costs.cost": rng.uniform(0.1, 2, rows),
             "MX.audience_costs.floor": rng.uniform(0.2, 0.8, rows)}
    seeds = np.arange(rows)
    with checking():
        batch = bargaining.run_batch(scenario, seeds, parameters=table)
    with never():
        plain = bargaining.run_batch(scenario, seeds, parameters=table)
    for name in (*FIELDS, "beliefs"):
        x, y = getattr(batch, name), getattr(plain, name)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_tables_compacted_give_single_runs(case):
    """Random tables of parameter sets (numbers, levels, strategies, protocols, red lines, value tables, the
    deadline), compacting at every chance: each replication is its row's single run."""
    name, table, seeds = case
    with compacting():
        check_rows(BASE[name], table, seeds)


class _Counting(Strategy, register=False):
    """A user's own strategy (defined outside the package): its aspiration falls with each package it has been
    offered, counted per replication in ``seen``, an (R,) array it does not name in ``per_replication``."""

    name = "counting"

    def __init__(self, params=None):
        super().__init__(params)
        self.seen = None

    def observe(self, agent, proposer, packages, utility, rows):
        if self.seen is None:
            self.seen = np.zeros(agent.size)
        self.seen[rows] += 1

    def aspiration(self, agent):
        return 1.0 if self.seen is None else 1.0 - 0.02 * self.seen


class _CountingNamed(_Counting, register=False):
    per_replication = ("seen",)


@pytest.mark.parametrize("strategy, cut", [(_Counting, False), (_CountingNamed, True)])
def test_a_strategy_from_elsewhere_with_unnamed_state_keeps_the_batch_whole(strategy, cut):
    """A strategy from outside the package is not checked by the tests here: if it holds state per replication
    without naming it, the batch is not cut (one warning); cut or not, its results are the uncut batch's."""
    overrides = {f"{c}.strategy.name": "counting" for c in ("US", "CA", "MX")}
    seeds, compactions = list(range(70)), []
    with mock.patch.dict(STRATEGIES, {"counting": strategy}), checking(compactions):
        scenario = bargaining.load_scenario("nafta-2017", {**overrides, **NOISY})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = NegotiationModel(scenario, seeds=seeds, record=False).run()
        with never():
            plain = NegotiationModel(scenario, seeds=seeds, record=False).run()
    assert bool(compactions) == cut
    assert [str(w.message) for w in caught if "per_replication" in str(w.message)] == ([] if cut else [
        "strategy '_Counting' holds seen per replication without naming it in per_replication (docs/architecture.md, "
        "adding a strategy): the batch keeps its ended replications, which costs time"])
    assert len(set(plain.ended.tolist())) > 1  # replications end in different rounds: a batch that could be cut
    same_models(model, plain)


def test_a_single_run_is_never_compacted():
    model = NegotiationModel(bargaining.load_scenario("nafta-2017", NOISY), rng=3, record=True)
    with compacting():
        model.run()
    assert model._full is None and model.size == 1


def test_keep_cuts_every_named_attribute():
    class Holder(PerReplication):
        per_replication = ("size", "a", "b", "c", "d", "e")

    inner = Holder()
    inner.size, inner.a, inner.b, inner.c, inner.d, inner.e = 4, np.arange(4), [10, 11, 12, 13], None, 0.5, None
    outer = Holder()
    outer.size, outer.a, outer.b, outer.c, outer.d, outer.e = 4, np.arange(8).reshape(4, 2), list("wxyz"), inner, \
        np.float64(2.0), np.array(7.0)
    outer.keep(np.array([1, 3]))
    assert outer.size == inner.size == 2
    assert outer.a.tolist() == [[2, 3], [6, 7]] and outer.b == ["x", "z"] and outer.d == 2.0 and outer.e == 7.0
    assert inner.a.tolist() == [1, 3] and inner.b == [11, 13] and inner.c is None and inner.d == 0.5
    outer.e = {"not": "kept"}
    with pytest.raises(TypeError, match="e: cannot keep"):
        outer.keep(np.array([0]))
