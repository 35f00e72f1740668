"""Neural posterior estimation (NPE) of a scenario's assumed parameters: the alternative to ABC-SMC.

NPE (Papamakarios & Murray 2016; Greenberg, Nonnenmacher & Macke 2019) trains a conditional density estimator
q(theta | x) on simulations (theta, x) drawn from the prior, then reads the posterior off it at the observed
summaries x0: one round of simulations, no rejection, and the simulations are used once (Lueckmann et al. 2021
benchmark it against ABC; Dyer et al. 2022 on economic agent-based models). The estimator is a neural spline
flow (Durkan et al. 2019) from the ``sbi`` package (Tejero-Cantero et al. 2020), trained on the CPU.

1. **Simulations.** Simulation ``i`` draws every parameter the priors vary as a standard normal score
   (``Priors.sample``, as ABC does) and a run seed from ``SeedSequence([seed, 0, i])``; they run in chunks through
   ``abc.simulate_batch`` on any executor (``experiment.executors``), and each finished chunk is stored in
   ``DIR/simulations/``, so an interrupted calibration resumes where it stopped.
2. **Summaries** x: the misses of the facts used (``Observations.misses``), one per fact, and their weighted mean
   (ABC's distance). The misses are what the facts say, fact by fact, on the scale ABC's distance averages: NPE
   learns which facts inform which parameter, where ABC's single distance weighs them all alike; the distance
   is a smooth aggregate the flow learns from early, with few simulations. A fact whose miss is the same in
   every simulation says nothing and is left out.
3. **Parameters** theta: the normal scores of the parameters ABC's kernel searches (``Priors.perturbed``); the
   others (``Priors.fresh``) vary in the simulations and are integrated out, as in ABC. The prior of theta is
   then a standard normal, and no posterior draw falls outside a prior's support.
4. **Training**: torch seeded, deterministic algorithms, ``threads`` threads, and portable CPU kernels
   (:func:`import_torch`: the same bits on any x86-64 CPU and thread count); batches of ``n / 100`` simulations
   (200 to 1,000) at a learning rate growing with them (:func:`learning_rate`: sbi's 5e-4 for 200, 1e-3 from
   400), and at most ``epochs`` epochs, by default as many as make a million simulations seen
   (:func:`epoch_budget`: 10 epochs for 10^5, 100 for 10^4), a bound in work, not time; sbi stops earlier when
   the validation loss has not improved for 20 epochs (10 with more than 50,000 simulations); and, if set,
   ``minutes``. At 10^5 simulations the larger step reaches in 10 epochs a better fit than 5e-4 in 15 (a third
   less training: BENCHMARKS.md, "Neural posterior estimation").
5. **Observed summaries** x0: every fact reproduced (all misses 0, so distance 0); for a fact that no simulation
   reproduced, the least miss any simulation had, so that the estimator is never asked about summaries it was
   not trained on.
6. **Posterior**: ``samples`` draws of theta from q(theta | x0), each with the fresh parameters drawn from
   their prior and one run (``SeedSequence([seed, 2, j])``), written as ABC writes its last generation (equal
   weights), so that ``bargaining forecast`` and ``bargaining score`` read an NPE folder unchanged. The prior
   sample is the first ``samples`` simulations.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..errors import UsageError
from ..experiment.executors import open_executor
from ..files import write_whole
from .abc import (
    MANIFEST,
    Problem,
    _Model,
    _open,
    _write_json,
    distance,
    fingerprint,
    simulate_batch,
    summary_head,
    summary_tail,
    write_samples,
)

#: Bounds of the settings (the command refuses others).
MAX_SIMULATIONS, MAX_SAMPLES, MAX_EPOCHS = 10_000_000, 100_000, 100_000


#: torch's CPU kernels pinned to ones every x86-64 CPU with AVX2 (2013 on) runs alike, whatever else it has:
#: ATen's vectorised kernels (AVX2 or AVX-512 where the CPU has them), MKL's matrix products (by CPU, and by
#: thread count unless STRICT, which needs MKL's AVX2 path or later) and oneDNN's each sum in their own order, so
#: that the same seed trained another flow on another CPU or thread count (docs/calibration.md, "Training").
PORTABLE_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "AVX2,STRICT",
                    "ONEDNN_MAX_CPU_ISA": "SSE41"}


def import_torch():
    """torch with :data:`PORTABLE_KERNELS`: the variables are read when torch first dispatches a kernel, so they
    are set before that, in this process (and the workers it starts). If torch ran a kernel earlier in this
    process, they come too late: :func:`portable` says so."""
    os.environ.update(PORTABLE_KERNELS)
    import torch

    return torch


def portable() -> bool:
    """Whether torch runs the portable kernels (False when it dispatched a kernel before :func:`import_torch`)."""
    return import_torch().backends.cpu.get_cpu_capability() == "DEFAULT"


def missing_extra() -> str | None:
    """Why NPE cannot run here (torch or sbi not installed), or None."""
    try:
        import_torch()
        import sbi  # noqa: F401
    except ImportError as exc:
        return (f"--method npe needs the optional extra bargaining[npe] (torch and sbi): pip install -e '.[npe]' "
                f"({exc})")
    return None


@dataclass
class NPESettings:
    """How much to simulate and train: simulations from the prior, posterior draws written, simulations per task
    (and per stored chunk), most training epochs (0: :func:`epoch_budget`), a time limit for training (0: none;
    when it is reached the result depends on the machine's speed, and summary.md says so), torch threads, and the
    flow's size."""

    simulations: int = 10_000
    samples: int = 200
    chunk: int = 500
    epochs: int = 0
    minutes: float = 0.0
    threads: int = 1
    hidden: int = 64
    transforms: int = 5

    def as_dict(self) -> dict:
        return {"method": "npe", "simulations": self.simulations, "samples": self.samples, "chunk": self.chunk,
                "epochs": self.epochs, "minutes": self.minutes, "threads": self.threads, "hidden": self.hidden,
                "transforms": self.transforms}


# ------------------------------------------------------------------------------------------- simulations


def prior_draws(problem: Problem, seed: int, stream: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Normal scores of every drawn parameter (``Priors.names``) and a run seed for draws ``start..stop-1`` of a
    stream: draw ``i`` comes from ``SeedSequence([seed, stream, i])``, whatever the chunks."""
    names = problem.priors.names
    z = np.empty((stop - start, len(names)))
    seeds = np.empty(stop - start, dtype=np.int64)
    for k, i in enumerate(range(start, stop)):
        rng = np.random.default_rng(np.random.SeedSequence([seed, stream, i]))
        z[k] = rng.standard_normal(len(names))
        seeds[k] = rng.integers(0, 2**31 - 1)
    return z, seeds


def _chunk(model: _Model, z: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """A task: the misses of the runs of these normal scores and seeds (``simulate_batch``)."""
    priors = model.problem.priors
    draws = [priors.overrides(dict(zip(priors.names, map(float, row), strict=True))) for row in z]
    return simulate_batch(model.problem, draws, [int(s) for s in seeds])


def run_chunks(problem: Problem, z: np.ndarray, seeds: np.ndarray, folder: Path, chunk: int, backend,
               desc: str, progress: bool) -> np.ndarray:
    """The misses of every (z, seed), in chunks on ``backend``; each finished chunk is stored in ``folder``
    (``chunk-NNNNNN.npy``) and read back instead of run again."""
    folder.mkdir(parents=True, exist_ok=True)
    n = len(z)
    misses = np.empty((n, len(problem.observations.used)))
    todo = []
    for start in range(0, n, chunk):
        path = folder / f"chunk-{start // chunk:06d}.npy"
        if path.exists():
            misses[start:start + chunk] = np.load(path)
        else:
            todo.append(start)
    model = _Model(problem)
    bar = tqdm(total=n, initial=n - sum(min(chunk, n - s) for s in todo), desc=desc, unit="run",
               disable=not progress, leave=False, dynamic_ncols=True)
    pending, in_flight = iter(todo), {}
    try:
        while True:
            while len(in_flight) < 2 * backend.slots:
                start = next(pending, None)
                if start is None:
                    break
                stop = min(start + chunk, n)
                in_flight[backend.executor.submit(_chunk, model, z[start:stop], seeds[start:stop])] = start
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                start = in_flight.pop(future)
                block = future.result()
                misses[start:start + len(block)] = block
                path = folder / f"chunk-{start // chunk:06d}.npy"
                write_whole(path, lambda file, block=block: np.save(file, block))
                bar.update(len(block))
    finally:
        for future in in_flight:
            future.cancel()
        bar.close()
    return misses


# ------------------------------------------------------------------------------------------- training


#: Simulations seen in training by default (epochs times simulations), and the most epochs.
SEEN, MOST_EPOCHS = 1_000_000, 500


def epoch_budget(n: int) -> int:
    """Most epochs for ``n`` simulations by default: as many as make :data:`SEEN` simulations seen, 10 to
    :data:`MOST_EPOCHS`; a bound in work, so that training ends at the same epoch on any machine. With 10^5
    simulations, 10 epochs: about 2 CPU minutes (BENCHMARKS.md)."""
    return min(MOST_EPOCHS, max(10, math.ceil(SEEN / n)))


def batch_size(n: int) -> int:
    """Simulations per training batch: a hundredth of them, 200 (sbi's default) to 1,000. Larger batches halve
    the time per epoch at 10^5 simulations (fewer, larger matrix products) and still take 90 steps an epoch."""
    return min(1000, max(200, n // 100))


def learning_rate(batch: int) -> float:
    """Adam's step for a batch size: sbi's 5e-4 for its batches of 200, growing with the batch (the linear scaling
    rule, Goyal et al. 2017) to at most 1e-3, from batches of 400. At 10^5 simulations (batches of 1,000), 1e-3
    fit the held-out draws better in 10 epochs than 5e-4 did in 15 (BENCHMARKS.md)."""
    return min(1e-3, 5e-4 * batch / 200)


class _NoTracker:
    """sbi logs to TensorBoard in ./sbi-logs by default: this tracker logs nothing."""

    log_dir = None

    def log_metric(self, name, value, step=None):
        pass

    def log_metrics(self, metrics, step=None):
        pass

    def log_params(self, params):
        pass

    def add_figure(self, name, figure, step=None):
        pass

    def flush(self):
        pass


@contextlib.contextmanager
def deterministic_torch(seed: int, threads: int):
    """torch seeded, deterministic algorithms and ``threads`` threads, restored afterwards, on the portable
    kernels (:func:`import_torch`): one seed, one posterior, on any x86-64 CPU and thread count."""
    torch = import_torch()
    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "torch.triangular_solve is deprecated")  # inside nflows
            yield torch
    finally:
        torch.set_num_threads(before[0])
        torch.use_deterministic_algorithms(before[1])


def informative(x: np.ndarray) -> np.ndarray:
    """Columns (facts) whose miss is not the same in every simulation."""
    return np.flatnonzero(x.max(axis=0) > x.min(axis=0))


def summaries(misses: np.ndarray, keep: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The summaries of runs: the informative facts' misses and, last, the distance (their weighted mean over all
    facts, ABC's one statistic: a smooth summary the flow learns from early; products summed by numpy, not BLAS:
    the same bits on every CPU)."""
    return np.c_[misses[:, keep], (misses * weights).sum(axis=1) / weights.sum()]


def observed(x: np.ndarray) -> np.ndarray:
    """The observed summaries: 0 (the fact reproduced), or the least miss of any simulation when none reached 0."""
    return np.maximum(0.0, x.min(axis=0))


@dataclass
class Trained:
    """A trained estimator: sample it with :meth:`sample`; ``epochs`` trained, best validation loss, whether the
    time limit stopped it, whether it ran on the portable kernels."""

    posterior: object
    epochs: int
    loss: float
    timed_out: bool
    portable: bool = True

    def sample(self, n: int, x0: np.ndarray, seed: int, threads: int = 1) -> np.ndarray:
        """``n`` draws of theta from q(theta | x0), reproducible for one seed."""
        with deterministic_torch(seed, threads) as torch:
            draws = self.posterior.sample((n,), x=torch.as_tensor(x0, dtype=torch.float32).reshape(1, -1),
                                          show_progress_bars=False)
        return draws.numpy().astype(float)

    def sample_each(self, n: int, xs: np.ndarray, seed: int, threads: int = 1) -> np.ndarray:
        """``n`` draws of theta from q(theta | x) for every row x of ``xs`` at once (the estimator is amortised:
        one training serves any observed summaries), shape (rows, n, parameters), reproducible for one seed."""
        with deterministic_torch(seed, threads) as torch:
            warnings.filterwarnings("ignore", "Capping max_sampling_batch_size")  # sbi's memory bound: no matter
            draws = self.posterior.sample_batched((n,), x=torch.as_tensor(xs, dtype=torch.float32),
                                                  show_progress_bars=False)
        return draws.numpy().astype(float).transpose(1, 0, 2)


def _estimator(deadline: float | None):
    """sbi's NPE whose early stopping also ends training at ``deadline`` (``time.monotonic()``), keeping the best
    weights so far, as its own early stopping does (sbi 0.27's ``_converged``)."""
    from sbi.inference import NPE

    class _NPE(NPE):
        timed_out = False

        def _converged(self, epoch: int, stop_after_epochs: int) -> bool:
            if super()._converged(epoch, stop_after_epochs):
                return True
            if deadline is not None and time.monotonic() > deadline:
                self._neural_net.load_state_dict(self._best_model_state_dict)
                self.timed_out = True
                return True
            return False

    return _NPE


def train(theta: np.ndarray, x: np.ndarray, settings: NPESettings, seed: int) -> Trained:
    """Train a neural spline flow q(theta | x) (sbi's NPE) on the CPU; theta's prior is a standard normal."""
    from sbi.neural_nets import posterior_nn

    deadline = time.monotonic() + 60 * settings.minutes if settings.minutes else None
    n = len(theta)
    with deterministic_torch(seed, settings.threads) as torch, contextlib.redirect_stdout(io.StringIO()):
        warnings.filterwarnings("ignore", "Maximum number of epochs")  # the epoch budget is ours
        warnings.filterwarnings("ignore", "Data has extreme outliers")  # a fact rarely missed: z-scored all the same
        d = theta.shape[1]
        prior = torch.distributions.MultivariateNormal(torch.zeros(d), torch.eye(d))
        builder = posterior_nn("nsf", hidden_features=settings.hidden, num_transforms=settings.transforms)
        inference = _estimator(deadline)(prior=prior, density_estimator=builder, tracker=_NoTracker(),
                                         show_progress_bars=False)
        inference.append_simulations(torch.as_tensor(theta, dtype=torch.float32),
                                     torch.as_tensor(x, dtype=torch.float32))
        inference.train(max_num_epochs=settings.epochs or epoch_budget(n), stop_after_epochs=20 if n <= 50_000 else 10,
                        training_batch_size=batch_size(n), learning_rate=learning_rate(batch_size(n)),
                        show_train_summary=False)
        posterior = inference.build_posterior()
    return Trained(posterior, int(inference.summary["epochs_trained"][-1]),
                   float(inference.summary["best_validation_loss"][-1]), inference.timed_out, portable())


# ------------------------------------------------------------------------------------------- calibrate


def calibrate_npe(problem: Problem, out: str | Path, settings: NPESettings | None = None, seed: int = 0,
                  workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None,
                  resume: bool = False, progress: bool = True) -> Path:
    """Simulate from the prior, train NPE, sample the posterior at the facts; write the results folder as ABC
    does (``accepted.parquet``, ``prior.parquet``, ``observations.csv``, ``posterior.csv``, figures,
    ``summary.md``, the manifest), plus ``simulations/`` and ``posterior-runs/`` (the stored chunks).

    Args:
        problem: Scenario, observations and priors.
        out: Results folder (new or empty; or, with ``resume``, one holding this calibration).
        settings: Simulations, samples, training.
        seed: Master seed: one seed, one posterior, on every executor.
        workers, scheduler, dask_local: Where the simulations run (as for sweeps).
        resume: Continue the calibration stored in ``out`` (its stored chunks are not run again).
        progress: tqdm bars.

    Raises:
        UsageError: No fact to calibrate on, no parameter to infer, or ``out`` holds other results.
    """
    why = missing_extra()
    if why:
        raise UsageError(why)
    settings = settings or NPESettings()
    out = Path(out)
    obs, priors = problem.observations, problem.priors
    if not obs.used:
        raise UsageError(f"{obs.origin}: no fact dated no later than the cut-off {obs.cutoff}: nothing to "
                         f"calibrate on")
    if not priors.perturbed:
        raise UsageError(f"{priors.origin}: expected at least one parameter to infer (perturb = true, the default "
                         f"for [parameters]), found none")
    manifest = _open_npe(out, problem, settings, seed, resume)
    manifest["method"] = "npe"
    searched = [priors.names.index(n) for n in priors.perturbed]
    begin = time.monotonic()
    with open_executor(workers, scheduler, dask_local) as backend:
        z, seeds = prior_draws(problem, seed, 0, 0, settings.simulations)
        x = run_chunks(problem, z, seeds, out / "simulations", settings.chunk, backend, "simulations", progress)
        simulated = time.monotonic()
        keep = informative(x)
        if not len(keep):
            raise UsageError(f"{obs.origin}: every fact's miss is the same in all {settings.simulations:,} "
                             f"simulations: the facts say nothing about the priors' parameters")
        xs = summaries(x, keep, problem.weights())
        trained = train(z[:, searched], xs, settings, seed)
        x0 = observed(xs)
        fitted = time.monotonic()
        theta = trained.sample(settings.samples, x0, seed + 1, settings.threads)
        zp, seeds_p = prior_draws(problem, seed, 2, 0, settings.samples)  # the fresh parameters and run seeds
        zp[:, searched] = theta
        _forget_other_draws(out / "posterior-runs", zp)
        xp = run_chunks(problem, zp, seeds_p, out / "posterior-runs", settings.chunk, backend, "posterior runs",
                        progress)
    n_prior = min(settings.samples, settings.simulations)
    prior = _frame(problem, z[:n_prior], seeds[:n_prior], x[:n_prior], 0)
    posterior = _frame(problem, zp, seeds_p, xp, 1)
    manifest.update(complete=True, stopped=f"{trained.epochs} epochs" + (" (time limit)" if trained.timed_out else ""),
                    npe={"epochs": trained.epochs, "validation_loss": trained.loss, "timed_out": trained.timed_out,
                         "portable_kernels": trained.portable,
                         "summaries": [*(obs.ids()[k] for k in keep), "distance"], "x0": [float(v) for v in x0],
                         "seconds": {"simulations": simulated - begin, "training": fitted - simulated,
                                     "posterior": time.monotonic() - fitted}},
                    fresh=priors.fresh, searched=priors.perturbed)
    _write_json(out / MANIFEST, manifest)
    everything = _misses(problem, x) if settings.simulations > n_prior else prior
    write_results(out, problem, prior, posterior, everything, settings, manifest)
    return out


#: The settings the stored simulations depend on (with the problem and the seed); the others say how to train and
#: sample, which a resumed calibration redoes anyway.
STORED = ("simulations", "chunk")


class _Stored:
    """Settings as a manifest stored them (``as_dict`` only, for ``fingerprint``)."""

    def __init__(self, stored: dict):
        self.stored = stored

    def as_dict(self) -> dict:
        return self.stored


def _open_npe(out: Path, problem: Problem, settings: NPESettings, seed: int, resume: bool) -> dict:
    """``abc._open``, except that a resumed NPE calibration may train and sample with other settings (another
    version's defaults, other ``--epochs`` or ``--threads``): its stored simulations depend only on the problem, the
    seed and :data:`STORED`, and the estimator is trained afresh on every run. Other simulation settings are refused
    in one line that names them."""
    path = out / MANIFEST
    if resume and path.is_file():
        old = json.loads(path.read_text())
        before = old.get("settings", {})
        if (old.get("method") == "npe" and before != settings.as_dict()
                and old.get("fingerprint") == fingerprint(problem, _Stored(before), seed)):
            differ = [k for k in STORED if before.get(k) != getattr(settings, k)]
            if differ:
                raise UsageError(f"{out}: --resume: expected the settings its simulations were stored with "
                                 f"({', '.join(f'{k} {before.get(k)}' for k in differ)}), found "
                                 f"{', '.join(f'{k} {getattr(settings, k)}' for k in differ)}")
            old.update(fingerprint=fingerprint(problem, settings, seed), settings=settings.as_dict(),
                       settings_before=before)
            _write_json(path, old)
    return _open(out, problem, settings, seed, resume)


def _forget_other_draws(folder: Path, z: np.ndarray) -> None:
    """Keep the stored posterior runs only if they are runs of these draws (``draws.npy``): a resumed calibration
    draws the same posterior, but one trained by another version of torch or sbi may not."""
    path = folder / "draws.npy"
    if folder.exists() and not (path.exists() and np.array_equal(np.load(path), z)):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(path, z)


def _frame(problem: Problem, z: np.ndarray, seeds: np.ndarray, misses: np.ndarray, generation: int) -> pd.DataFrame:
    """Draws as ABC's tables: generation, weight (equal), distance, seed, every scenario parameter, every miss."""
    priors, ids = problem.priors, problem.observations.ids()
    weights = problem.weights()
    rows = []
    for row, s, m in zip(z, seeds, misses, strict=True):
        rows.append({"generation": generation, "weight": 1 / len(z), "distance": distance(m, weights),
                     "seed": int(s), **priors.overrides(dict(zip(priors.names, map(float, row), strict=True))),
                     **{f"miss.{i}": float(v) for i, v in zip(ids, m, strict=True)}})
    return pd.DataFrame(rows)


def _misses(problem: Problem, misses: np.ndarray) -> pd.DataFrame:
    """Every simulation's weight (equal) and misses: all that the facts' prior reproduction rates read, without
    :func:`_frame`'s parameters (a loop in Python: 40 CPU s for 10^5 simulations)."""
    ids = problem.observations.ids()
    return pd.DataFrame({"weight": np.full(len(misses), 1 / len(misses)),
                         **{f"miss.{i}": misses[:, k] for k, i in enumerate(ids)}})


def write_results(out: Path, problem: Problem, prior: pd.DataFrame, posterior: pd.DataFrame,
                  simulations: pd.DataFrame, settings: NPESettings, manifest: dict) -> None:
    """The files ABC writes (see ``abc.write_results``); each fact's prior reproduction rate is over every
    simulation, not only the prior sample."""
    fit, table = write_samples(out, problem, prior, posterior, reproduced_prior=simulations)
    (out / "summary.md").write_text(summary(out, problem, settings, manifest, fit, table))


def summary(out: Path, problem: Problem, settings: NPESettings, manifest: dict, fit: pd.DataFrame,
            table: pd.DataFrame) -> str:
    """summary.md of an NPE calibration, in the form of ABC's."""
    import sbi

    torch = import_torch()
    obs, priors, npe = problem.observations, problem.priors, manifest["npe"]
    dropped = [i for i in obs.ids() if i not in npe["summaries"]]
    unreached = [i for i, v in zip(npe["summaries"], npe["x0"], strict=True) if v > 0]
    secs = npe["seconds"]
    lines = [f"# Calibration of {problem.scenario.name} (neural posterior estimation)", "",
             *summary_head(problem, "NPE infers", " (integrated out)"),
             f"- NPE (sbi {sbi.__version__}, torch {torch.__version__}, CPU, {settings.threads} thread(s)): a neural "
             f"spline flow ({settings.transforms} transforms, {settings.hidden} hidden units) trained on "
             f"{settings.simulations:,} simulations from the prior for {npe['epochs']} epochs (validation loss "
             f"{npe['validation_loss']:.4g}); {settings.samples:,} posterior draws, seed {manifest['seed']}",
             f"- time: simulations {secs['simulations']:.0f} s, training {secs['training']:.0f} s, posterior runs "
             f"{secs['posterior']:.0f} s",
             "- summaries: the miss of each fact used and their weighted mean (the distance); conditioned on every "
             "fact reproduced (all misses 0)"]
    if not npe.get("portable_kernels", True):
        lines.append("- **torch ran this CPU's own kernels** (it was used before `bargaining.calibration.npe` pinned "
                     "the portable ones): another CPU or thread count may train another flow")
    if npe["timed_out"]:
        lines.append(f"- **the time limit ({settings.minutes:g} min) stopped the training**: another machine may "
                     f"train more epochs and give another posterior")
    if dropped:
        lines.append(f"- left out of the summaries (the same miss in every simulation, so uninformative): "
                     f"{', '.join(dropped)}")
    if unreached:
        lines.append(f"- never 0 in any simulation, so conditioned on the least value any had: {', '.join(unreached)}")
    lines.append("- distance (in `accepted.parquet`): weighted mean miss of the posterior draw's own run")
    unaccounted = priors.unaccounted(problem.scenario)
    if unaccounted:
        lines += ["", f"**Assumed parameters neither varied nor held** (kept at the scenario's value without a "
                  f"reason): {', '.join(unaccounted)}"]
    lines += summary_tail(out, problem, fit, table,
                          "`simulations/` and `posterior-runs/` (the stored runs' misses)")
    return "\n".join(lines)
