"""Neural posterior estimation (``bargaining calibrate --method npe``): one seed one posterior on any executor and
after a resume, a known parameter recovered better than the prior, a folder that forecast and score read as
ABC's, the coverage study's ranks, and the command's one-line errors."""

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from bargaining import load_scenario
from bargaining.calibration.abc import Problem, load_problem
from bargaining.calibration.priors import load_priors
from bargaining.calibration.synthetic import synthetic_facts, synthetic_observations, write_facts
from bargaining.cli.main import main

pytest.importorskip("torch", reason="the optional extra bargaining[npe] (torch, sbi) is not installed")
pytest.importorskip("sbi", reason="the optional extra bargaining[npe] (torch, sbi) is not installed")

from bargaining.calibration.npe import NPESettings, calibrate_npe, informative, observed, summaries  # noqa: E402

ONE = """
[parameters."countries.US.strategy.beta"]
uniform = [0.1, 1.0]
reason = "Boulware to Linear"

[parameters."countries.MX.strategy.beta"]
uniform = [0.3, 2.0]
perturb = false
reason = "drawn afresh for every run"
"""
TRUTH = {"countries.US.strategy.beta": 0.25}  # Boulware: far from the prior's mean, 0.55
SMALL = NPESettings(simulations=300, samples=60, chunk=50, epochs=200)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    nafta = load_scenario("nafta-2017")
    path = tmp_path_factory.mktemp("priors") / "one.toml"
    path.write_text(ONE)
    observations, result = synthetic_observations(nafta, TRUTH, seed=3, cutoff_round=6, rounds=[2, 4, 6])
    return Problem(nafta, observations, load_priors(path, nafta)), result


@pytest.fixture(scope="module")
def serial(problem, tmp_path_factory):
    out = tmp_path_factory.mktemp("npe") / "serial"
    calibrate_npe(problem[0], out, SMALL, seed=4, workers=1, progress=False)
    return out


def test_the_posterior_is_nearer_the_truth_than_the_prior(serial):
    table = pd.read_csv(serial / "posterior.csv").set_index("parameter")
    beta = table.loc["countries.US.strategy.beta"]
    truth = TRUTH["countries.US.strategy.beta"]
    assert abs(beta.posterior_mean - truth) < abs(beta.prior_mean - truth) / 2
    assert beta.posterior_q05 <= truth <= beta.posterior_q95
    assert beta.sd_ratio < 0.7  # the offers show the concession speed
    mx = table.loc["countries.MX.strategy.beta"]  # drawn afresh, integrated out: its posterior is its prior
    assert 0.8 < mx.sd_ratio < 1.25


def test_one_seed_one_posterior_on_two_workers_and_after_a_resume(problem, serial, tmp_path):
    """Half the stored simulation chunks and every posterior run deleted, the rest resumed on two workers: the
    runs redone are the stored ones to the bit, and so are the posterior and the prior sample."""
    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    chunks = sorted((copy / "simulations").glob("chunk-*.npy"))
    for path in chunks[::2]:
        path.unlink()
    shutil.rmtree(copy / "posterior-runs")
    (copy / "accepted.parquet").unlink()
    manifest = json.loads((copy / "calibration.json").read_text())
    (copy / "calibration.json").write_text(json.dumps({**manifest, "complete": False}))
    calibrate_npe(problem[0], copy, SMALL, seed=4, workers=2, progress=False, resume=True)
    for path in chunks:
        np.testing.assert_array_equal(np.load(serial / "simulations" / path.name), np.load(path))
    for name in ("accepted.parquet", "prior.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(serial / name), pd.read_parquet(copy / name))
    other = tmp_path / "other"
    calibrate_npe(problem[0], other, SMALL, seed=5, workers=1, progress=False)
    assert not np.allclose(pd.read_parquet(other / "accepted.parquet")["countries.US.strategy.beta"],
                           pd.read_parquet(serial / "accepted.parquet")["countries.US.strategy.beta"])


def test_a_resume_with_other_training_settings_retrains_on_the_stored_simulations(problem, serial, tmp_path):
    """A calibration made with other training settings (another version's defaults, say) resumes: its stored
    simulations are read, not run again, and the posterior is the one a fresh calibration with the new settings
    gives; other simulation settings are refused in one line that names them."""
    from bargaining.errors import UsageError

    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    stamps = {p.name: p.stat().st_mtime_ns for p in (copy / "simulations").glob("chunk-*.npy")}
    other = NPESettings(**{**SMALL.__dict__, "epochs": 30, "hidden": 32, "transforms": 2})
    calibrate_npe(problem[0], copy, other, seed=4, workers=1, progress=False, resume=True)
    assert {p.name: p.stat().st_mtime_ns for p in (copy / "simulations").glob("chunk-*.npy")} == stamps
    fresh = tmp_path / "fresh"
    calibrate_npe(problem[0], fresh, other, seed=4, workers=1, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(fresh / "accepted.parquet"),
                                  pd.read_parquet(copy / "accepted.parquet"))
    manifest = json.loads((copy / "calibration.json").read_text())
    assert manifest["settings"]["hidden"] == 32 and manifest["settings_before"]["hidden"] == SMALL.hidden
    assert manifest["fingerprint"] == json.loads((fresh / "calibration.json").read_text())["fingerprint"]
    more = NPESettings(**{**other.__dict__, "simulations": 600})
    with pytest.raises(UsageError, match=r"copy: --resume: expected the settings its simulations were stored with "
                                         r"\(simulations 300\), found simulations 600$"):
        calibrate_npe(problem[0], copy, more, seed=4, workers=1, progress=False, resume=True)
    with pytest.raises(UsageError, match="found another"):  # another seed: other simulations
        calibrate_npe(problem[0], copy, other, seed=5, workers=1, progress=False, resume=True)


def test_the_folder_is_abcs(problem, serial):
    """accepted.parquet and prior.parquet have ABC's columns; each posterior draw's own run replays exactly."""
    from bargaining import run

    prob = problem[0]
    accepted = pd.read_parquet(serial / "accepted.parquet")
    ids = prob.observations.ids()
    assert list(accepted.columns) == ["generation", "weight", "distance", "seed", *prob.priors.columns,
                                      *(f"miss.{i}" for i in ids)]
    assert len(accepted) == SMALL.samples and math.isclose(accepted["weight"].sum(), 1.0)
    assert len(pd.read_parquet(serial / "prior.parquet")) == SMALL.samples
    row = accepted.iloc[0]
    overrides = {c: float(row[c]) for c in prob.priors.columns}
    result = run(prob.scenario.with_overrides(prob.priors.as_override(overrides)), seed=int(row["seed"]))
    np.testing.assert_array_equal(prob.observations.misses(result),
                                  row[[f"miss.{i}" for i in ids]].to_numpy(dtype=float))
    loaded, manifest = load_problem(serial)
    assert manifest["method"] == "npe" and manifest["complete"] and loaded.priors.columns == prob.priors.columns
    for name in ("marginals.png", "pairs.png", "observations.png", "observations.csv", "summary.md"):
        assert (serial / name).stat().st_size > 0
    assert "neural posterior estimation" in (serial / "summary.md").read_text()


def test_forecast_and_score_read_an_npe_folder(problem, serial, tmp_path, capsys):
    prob, result = problem
    assert main(["forecast", str(serial), "--json", "--replications", "1", "--no-progress"]) == 0
    fc = json.loads(capsys.readouterr().out)
    assert math.isclose(sum(fc["outcomes"].values()), 1.0) and fc["runs"]["posterior_sets"] == SMALL.samples
    data = synthetic_facts(prob.scenario, result, 6)
    data["facts"] = [f for f in data["facts"] if f["kind"] in ("outcome", "agreed")]
    facts = write_facts(data, tmp_path / "later.toml")
    assert main(["score", str(serial), str(facts), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["outcome"]["log_score"] < 0 and scored["facts"]


def test_summaries_and_the_observed_point():
    x = np.array([[0.0, 1.0, 0.3, 0.0], [1.0, 1.0, 0.5, 0.0], [0.0, 1.0, 0.2, 0.0]])
    np.testing.assert_array_equal(informative(x), [0, 2])  # a constant miss says nothing
    xs = summaries(x, informative(x), np.array([1.0, 1.0, 2.0, 0.0]))
    np.testing.assert_allclose(xs[:, -1], [0.4, 0.75, 0.35])  # the distance, weighted over every fact
    np.testing.assert_allclose(observed(xs), [0.0, 0.2, 0.35])  # 0, or the least any run reached


def test_training_work_is_bounded_by_simulations_seen_not_by_time():
    """At 10^5 simulations training sees a million in batches of 1,000 at twice sbi's step (issue 21: minutes, not
    tens of them); small runs keep sbi's batches of 200, its step and up to 500 epochs, early stopping permitting."""
    from bargaining.calibration.npe import SEEN, batch_size, epoch_budget, learning_rate

    assert epoch_budget(100_000) * 100_000 == SEEN and batch_size(100_000) == 1000 == batch_size(10**7)
    assert epoch_budget(300) == 500 and batch_size(300) == 200 and epoch_budget(10**7) == 10
    assert learning_rate(batch_size(10_000)) == 5e-4 and learning_rate(batch_size(100_000)) == 1e-3
    assert all(epoch_budget(n) >= epoch_budget(n + 1) and batch_size(n) <= batch_size(n + 1)
               and learning_rate(batch_size(n)) <= learning_rate(batch_size(n + 1)) for n in range(100, 200_000, 997))


@pytest.mark.parametrize("argv, message", [
    (["--method", "smc"], "--method: expected one of ['abc', 'npe'], found 'smc'"),
    (["--method", "npe", "--simulations", "5"], "--simulations: expected a number in 100..10,000,000, found 5"),
    (["--method", "npe", "--epochs", "0"], "--epochs: expected a number in 1..100,000, found 0"),
    (["--method", "npe", "--minutes", "nan"], "--minutes: expected a number of minutes in (0, 10000]"),
    (["--method", "npe", "--population", "50"], "--population: only for --method abc, found --method npe"),
    (["--simulations", "500"], "--simulations: only for --method npe, found --method abc"),
    (["--method", "npe", "--seed", "-1"], "--seed: expected a number in 0..4,294,967,295, found -1"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, argv, message):
    code = main(["calibrate", "nafta-2017", "observations-2017", "--out", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_the_command_runs_npe(problem, tmp_path, capsys):
    facts = tmp_path / "facts.toml"
    facts.write_text(problem[0].observations.to_toml())
    priors = tmp_path / "priors.toml"
    priors.write_text(ONE)
    out = tmp_path / "out"
    assert main(["calibrate", "nafta-2017", str(facts), "--priors", str(priors), "--method", "npe",
                 "--simulations", "100", "--samples", "10", "--epochs", "2", "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    assert "neural posterior estimation" in capsys.readouterr().out
    assert len(pd.read_parquet(out / "accepted.parquet")) == 10
    assert main(["calibrate", "nafta-2017", str(facts), "--priors", str(priors), "--method", "npe",
                 "--simulations", "100", "--out", str(out)]) == 2
    assert "already holds a calibration" in capsys.readouterr().err
    assert main(["calibrate", "nafta-2017", str(facts), "--priors", str(priors), "--method", "npe",
                 "--simulations", "200", "--epochs", "2", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--resume: expected the settings its simulations were stored with (simulations " \
        "100), found simulations 200" in err


# ------------------------------------------------------------------------------ simulation-based calibration


def test_ranks_of_a_calibrated_posterior_are_uniform_and_its_intervals_cover():
    """The prior is its own calibrated posterior when the facts say nothing: truths and draws from one
    distribution give uniform ranks and nominal coverage; a posterior too narrow by half fails both."""
    from bargaining.calibration.synthetic import cdf_at, coverage_row, coverage_table

    assert cdf_at([1, 2, 3, 4], [1, 1, 1, 1], 2.5) == 0.5 and cdf_at([1, 2, 3], [1, 2, 1], 2) == 0.5
    rng = np.random.default_rng(0)
    rows, narrow = [], []
    for _ in range(400):
        truth, draws = rng.uniform(), rng.uniform(size=200)
        rows.append(coverage_row("calibrated", "x", draws, np.ones(200), truth, (0, 1)))
        narrow.append(coverage_row("narrow", "x", 0.5 + (draws - 0.5) / 2, np.ones(200), truth, (0, 1)))
    table = coverage_table(rows + narrow).set_index("method")
    assert abs(table.loc["calibrated", "covered_50"] - 0.5) < 0.07 and abs(table.loc["calibrated", "covered_90"]
                                                                           - 0.9) < 0.05
    assert table.loc["calibrated", "uniform_p"] > 0.01 and table.loc["narrow", "uniform_p"] < 1e-6
    assert table.loc["narrow", "covered_90"] < 0.6
    assert sum(map(int, table.loc["calibrated", "ranks"].split())) == 400


def test_the_coverage_study_checks_both_methods(problem, tmp_path):
    from bargaining.calibration.abc import Settings
    from bargaining.calibration.synthetic import coverage_study, coverage_table, rank_figure, union_observations

    prob = problem[0]
    settings = NPESettings(simulations=120, chunk=60, epochs=3)
    rows = coverage_study(prob.scenario, prob.priors, 2, tmp_path, abc=Settings(8, 2), npe=settings, draws=20,
                          progress=False, amortised=7)
    assert [(r["method"], r["parameter"]) for r in rows] == [("ABC", "countries.US.strategy.beta")] * 2 + \
        [("NPE", "countries.US.strategy.beta")] * 2 + [("NPE, amortised", "countries.US.strategy.beta")] * 7
    assert all(0 <= r["rank"] <= 1 and 0 < r["width90"] <= 1 for r in rows)  # the fresh parameter is not checked
    assert list(coverage_table(rows)["experiments"]) == [2, 2, 7]
    # the amortised check is experiment 0's estimator: its draws at experiment 0's facts are that experiment's
    again = coverage_study(prob.scenario, prob.priors, 1, tmp_path / "again", npe=settings, draws=20, progress=False)
    assert [r["rank"] for r in again] == [r["rank"] for r in rows if r["method"] == "NPE"][:1]
    assert rank_figure(rows, tmp_path / "ranks.png").stat().st_size > 0
    # the shared simulations' misses are each experiment's own: one run, both experiments' facts
    a = {"cutoff": "2018-01", "facts": [{"kind": "no_agreement", "date": "2017-10", "source": "s", "quote": "q"}]}
    b = {"cutoff": "2018-01", "facts": [{"kind": "notice", "given": True, "date": "2018-01", "source": "s",
                                         "quote": "q"}, {"kind": "no_agreement", "date": "2019-01", "source": "s",
                                                         "quote": "q"}]}
    union, columns = union_observations(prob.scenario, [a, b])
    assert columns == [[0], [1]] and union.ids() == ["e0.00-no_agreement", "e1.00-notice"]


def test_held_back_facts_are_scored(serial, capsys):
    """The synthetic calibration held back its outcome and agreed package (after the cut-off): each gets a
    probability from the posterior's runs and the prior's, and ln p is its log score."""
    assert main(["score", str(serial), "--held-back", "--replications", "1", "--json", "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out)
    problem, _ = load_problem(serial)
    assert [f["id"] for f in result["facts"]] == problem.observations.ids(problem.observations.held_back)
    n = result["runs"]["posterior_kept"]
    assert result["runs"]["posterior"] == 2 * SMALL.samples and SMALL.samples <= n
    for f in result["facts"]:
        for side in ("posterior", "prior"):
            assert 0 < f[f"p_{side}"] < 1 and math.isclose(f[f"log_score_{side}"], math.log(f[f"p_{side}"]))
    assert math.isclose(result["mean_log_score"]["prior"], np.mean([f["log_score_prior"] for f in result["facts"]]))
    some = [f["log_score_posterior"] for f in result["facts"] if f["reproduced_by_any"]]
    assert result["mean_log_score_reproduced"]["posterior"] == (np.mean(some) if some else None)
    assert main(["score", str(serial), "later.toml", "--held-back"]) == 2
    assert "expected FACTS (a file of later facts) or --held-back, found both" in capsys.readouterr().err


# ------------------------------------------------------------------------------ the same bits on any CPU

KERNEL_RUN = """
import hashlib, sys
import numpy as np
from bargaining.calibration.npe import NPESettings, train
if sys.argv[2] == "late":  # torch runs a kernel before the npe module can pin the portable ones
    import torch
    torch.ones(64) @ torch.ones(64)
threads = int(sys.argv[1])
rng = np.random.default_rng(0)
theta = rng.standard_normal((400, 3))
x = np.c_[np.tanh(theta @ rng.standard_normal((3, 4))) + 0.3 * rng.standard_normal((400, 4)), rng.random(400)]
trained = train(theta, x, NPESettings(epochs=4, threads=threads, hidden=32, transforms=2), seed=1)
draws = trained.sample(300, x[0], seed=2, threads=threads)
print(trained.portable, trained.epochs, trained.loss.hex(), hashlib.sha256(draws.tobytes()).hexdigest())
"""
# what another CPU or machine may choose: torch's vector kernels, MKL's code path, oneDNN's, glibc's libm variants
OTHER_CPUS = {"native": {}, "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
              "avx512": {"ATEN_CPU_CAPABILITY": "avx512", "MKL_CBWR": "AVX512"},
              "old libm": {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F"}}


def train_elsewhere(kernels: str, threads: int, when: str = "first") -> list[str]:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA")}
    env.update({**OTHER_CPUS[kernels], "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})
    done = subprocess.run([sys.executable, "-c", KERNEL_RUN, str(threads), when], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_training_and_sampling_are_the_same_bits_on_other_cpu_kernels_and_threads():
    """Untouched, torch picks kernels by CPU (ATen's AVX2/AVX-512 vector code, MKL's and oneDNN's code paths, glibc's
    FMA variants) and MKL splits its sums by thread count: on this machine the default kernels, MKL's AVX2 path and
    2 threads each trained another flow (losses equal to about 1e-7, other draws). The npe module pins portable
    kernels before torch first runs one, so every configuration gives the native one-thread flow and draws to the
    bit; a process in which torch ran a kernel first is flagged as not portable."""
    reference = train_elsewhere("native", 1)
    assert reference[0] == "True"
    for kernels, threads in [("native", 2), ("avx2", 1), ("avx2", 2), ("avx512", 2), ("old libm", 1)]:
        assert train_elsewhere(kernels, threads) == reference, (kernels, threads)
    assert train_elsewhere("native", 1, "late")[0] == "False"
