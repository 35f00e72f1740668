"""One engine for one run and for many: replication r of a batch is exactly ``run(..., seed=seeds[r])``.

The model acts on R replications at once (arrays with a replication axis; ``model.py``) and draws every random
number as a pure function of (seed, round, country, purpose) (``streams.py``). So a replication's result cannot
depend on the batch it runs in: its size, its other seeds or their order. Checked here, bit for bit, for every
bundled scenario under every protocol, every registered strategy, and variants that reach every outcome, with
noise turned up so that replications part ways (and their preferences too: audience costs harden in some).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining.model import NegotiationModel
from bargaining.scenario import bundled
from bargaining.simulate import Replications
from bargaining.strategies import STRATEGIES

PROTOCOLS = ("alternating_offers", "single_text", "bilateral_first")
NOISY = {"noise.aspiration": 0.08}
FIELDS = ("outcome", "round", "notice_round", "signed", "package", "signatories", "supporters", "ratified",
          "utilities", "walk_away")


def cases() -> list[tuple[str, dict]]:
    """(scenario, overrides): every bundled negotiation under every protocol; every strategy played by every
    country; and nafta-2017 variants with a credible threat, resumed ratification and a country left out."""
    out = [(name, {"protocol.name": protocol, **NOISY}) for name in bundled() for protocol in PROTOCOLS]
    for name, cls in sorted(STRATEGIES.items()):
        scenario, countries = ("pie-split", "AB") if cls.classifier["two_party_only"] else ("nafta-2017", ("US", "CA",
                                                                                                            "MX"))
        out.append((scenario, {**{f"{c}.strategy.name": name for c in countries}, **NOISY}))
    out += [("nafta-2017", {"US.termination_value": 0.6, "noise.belief": 0.3}),
            ("nafta-2017", {"US.termination_value": 0.3, "ratification.on_failure": "resume", **NOISY}),
            ("nafta-2017", {"protocol.name": "bilateral_first", "US.termination_value": 0.6,
                            "CA.red_lines.auto_rvc": 70, **NOISY})]
    return out


def same(a: Replications, b: Replications, rows_a=slice(None), rows_b=slice(None)) -> None:
    for name in FIELDS:
        x, y = getattr(a, name)[rows_a], getattr(b, name)[rows_b]
        signed = a.signed[rows_a]
        if name == "package":
            x, y = x[signed], y[signed]
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@pytest.mark.parametrize("name, overrides", cases(), ids=lambda v: v if isinstance(v, str) else
                         ",".join(f"{k}={x}" for k, x in v.items()))
def test_replications_equal_single_runs_whatever_the_batch(name, overrides):
    scenario = bargaining.load_scenario(name, overrides)
    seeds = np.arange(1000) * 7919 + 11
    big = bargaining.run_batch(scenario, seeds)
    # the same replications in batches of 125, in reverse order: every row is the same
    for chunk in np.split(np.arange(1000), 8)[::-1]:
        same(big, bargaining.run_batch(scenario, seeds[chunk[::-1]]), chunk, slice(None, None, -1))
    seven = bargaining.run_batch(scenario, seeds[[3, 500, 999, 42, 1, 250, 777]])
    same(big, seven, [3, 500, 999, 42, 1, 250, 777])
    for r in (0, 3, 42, 500, 999):  # and run() alone, a batch of one, through the Result
        alone = bargaining.run(scenario, seed=int(seeds[r]), record=False)
        assert big.result(r).to_dict() == alone.to_dict()
        assert (alone.package is None) == (big.result(r).package is None)
        if alone.package is not None:
            assert np.array_equal(alone.package, big.package[r])


def test_replications_part_ways_and_so_do_their_preferences():
    """With noise, replications of one batch reach different outcomes; audience costs harden in some and not
    others, so the batch holds several versions of the preferences at once (``model.groups``)."""
    scenario = bargaining.load_scenario("nafta-2017", {"noise.aspiration": 0.08, "US.termination_value": 0.5})
    model = NegotiationModel(scenario, seeds=range(300), record=False).run()
    assert len(set(model.outcomes.tolist())) > 1 and len(set(model.ended.tolist())) > 1
    assert len(np.unique(model.group)) > 1
    assert not model.live.any()


@settings(max_examples=25, deadline=None)
@given(seeds=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=12),
       name=st.sampled_from(["nafta-2017", "uk-eu-2020"]))
def test_any_seeds_in_any_order(seeds, name):
    """Any seeds, repeated or not, in any order: each replication is its seed's run."""
    scenario = bargaining.load_scenario(name, NOISY)
    batch = bargaining.run_batch(scenario, seeds)
    for r in range(len(seeds)):
        assert batch.result(r).to_dict() == bargaining.run(scenario, seed=seeds[r], record=False).to_dict()


@pytest.mark.parametrize("seeds", [[], [-1], [2**64], [1.5], ["3"], [True]])
def test_bad_seeds_are_one_clear_error(seeds):
    with pytest.raises(bargaining.ScenarioError, match="seed"):
        bargaining.run_batch("pie-split", seeds)
