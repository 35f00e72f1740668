"""Designs: the parameter cells of an experiment (grid, Latin hypercube, Sobol) and each run's seed.

Run ``i`` is replication ``i % R`` of cell ``i // R``. Its seed comes from
``numpy.random.SeedSequence(master, spawn_key=(cell, replication))``, the same child ``spawn`` would
give, so a run's result depends on neither the executor, nor the chunking, nor a resume.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from SALib.sample import latin
from SALib.sample import sobol as sobol_sample

from .spec import MAX_CELLS, MAX_RUNS, Experiment, ExperimentError, ParameterSpec


def problem(parameters: dict[str, ParameterSpec]) -> dict:
    """The SALib problem: one unit-free variable per parameter. A range samples its own bounds (an
    integer range ``[a, b]`` samples ``[a, b + 1)`` and rounds down); a list of levels samples
    ``[0, n_levels)`` and picks a level by index."""
    bounds = []
    for p in parameters.values():
        if p.levels is not None:
            bounds.append([0.0, float(len(p.levels))])
        elif p.integer:
            bounds.append([float(np.ceil(p.range[0])), float(np.floor(p.range[1])) + 1.0])
        else:
            bounds.append([float(p.range[0]), float(p.range[1])])
    return {"num_vars": len(parameters), "names": list(parameters), "bounds": bounds}


def decode(parameters: dict[str, ParameterSpec], row: np.ndarray) -> tuple:
    """Parameter values of one sampled point of :func:`problem`."""
    values = []
    for p, u in zip(parameters.values(), row, strict=True):
        if p.levels is not None:
            values.append(p.levels[min(int(u), len(p.levels) - 1)])
        elif p.integer:
            values.append(int(min(np.floor(u), np.floor(p.range[1]))))
        else:
            values.append(float(u))
    return tuple(values)


def sample(experiment: Experiment) -> np.ndarray | None:
    """The sampled points of an lhs or sobol design (rows in SALib's order), None for a grid."""
    spec = experiment.spec
    if spec.design == "grid":
        return None
    prob = problem(experiment.parameters)
    if spec.design == "lhs":
        return latin.sample(prob, experiment.samples, seed=spec.seed)
    return sobol_sample.sample(prob, experiment.samples, calc_second_order=False, seed=spec.seed)


class Design:
    """The cells of an experiment and its runs.

    Attributes:
        names: Parameter names, in file order.
        levels: Grid levels per parameter (grid design).
        points: Sampled points (lhs/sobol), SALib's order.
        n_cells: Number of parameter cells; ``n_runs = n_cells * replications``.

    Raises:
        ExperimentError: More than ``MAX_CELLS`` cells or ``MAX_RUNS`` runs (checked before anything is sampled).
    """

    def __init__(self, experiment: Experiment):
        self.experiment = experiment
        self.parameters = experiment.parameters
        self.names = list(self.parameters)
        self.replications = experiment.replications
        self.master = experiment.spec.seed
        self.levels, self.points = None, None
        if experiment.spec.design == "grid":
            self.levels = [p.grid_levels(experiment.max_levels) for p in self.parameters.values()]
            self.n_cells = math.prod(len(v) for v in self.levels)
        else:
            sobol = experiment.spec.design == "sobol"
            self.n_cells = experiment.samples * (len(self.parameters) + 2 if sobol else 1)
        if self.n_cells > MAX_CELLS or self.n_runs > MAX_RUNS:
            raise ExperimentError(f"{experiment.origin}: expected at most {MAX_CELLS:,} parameter cells and "
                                  f"{MAX_RUNS:,} runs, found {self.n_cells:,} cells x {self.replications:,} "
                                  f"replications = {self.n_runs:,} runs")
        if self.levels is None:
            self.points = sample(experiment)

    @property
    def n_runs(self) -> int:
        return self.n_cells * self.replications

    def cell(self, index: int) -> tuple:
        """Parameter values of one cell (a grid cell in row-major order of the parameters)."""
        if self.points is not None:
            return decode(self.parameters, self.points[index])
        values = []
        for levels in reversed(self.levels):
            index, k = divmod(index, len(levels))
            values.append(levels[k])
        return tuple(reversed(values))

    def cells(self) -> Iterator[tuple]:
        if self.points is None:
            return itertools.product(*self.levels)
        return (self.cell(i) for i in range(self.n_cells))

    def overrides(self, values: tuple) -> dict:
        """The overrides of one cell: every path of every parameter set to its value."""
        return {path: p.cast(v) for p, v in zip(self.parameters.values(), values, strict=True)
                for path in p.paths}


def run_seed(master: int, cell: int, replication: int) -> int:
    """The seed of one run: 63 bits of ``SeedSequence(master, spawn_key=(cell, replication))``."""
    hi, lo = np.random.SeedSequence(master, spawn_key=(cell, replication)).generate_state(2, np.uint32)
    return ((int(hi) << 32) | int(lo)) & (2**63 - 1)


# numpy's SeedSequence hash (O'Neill's seed_seq_fe, numpy/random/bit_generator.pyx), on uint32 words
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _POOL = 0xCA01F9DD, 0x4973F715, 4


def _words(value: int) -> list[int]:
    """An integer's 32-bit words, least significant first (one word for 0), as SeedSequence reads it."""
    return [(value >> (32 * i)) & 0xFFFFFFFF for i in range(max(1, -(-value.bit_length() // 32)))]


def run_seeds(master: int, cell: int, replications: np.ndarray) -> np.ndarray:
    """``run_seed`` of many replications of one cell at once, as int64: SeedSequence's hash of (master, cell,
    replication), computed on arrays (about 10 us a run one by one)."""
    reps = np.asarray(replications, dtype=np.int64)
    if reps.size and not 0 <= reps.min() <= reps.max() < 2**32:
        raise ValueError("replications: expected integers in [0, 2**32)")
    master_words = _words(int(master))
    entropy = [np.full(reps.shape, w, dtype=np.uint32) for w in
               master_words + [0] * (_POOL - len(master_words)) + _words(int(cell))] + [reps.astype(np.uint32)]
    const = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal const
        value = value ^ np.uint32(const)
        const = (const * _MULT_A) & 0xFFFFFFFF
        value = value * np.uint32(const)
        return value ^ (value >> np.uint32(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        return result ^ (result >> np.uint32(16))

    pool = [hashmix(word) for word in entropy[:_POOL]]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for word in entropy[_POOL:]:
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(word))
    const, state = _INIT_B, []
    for word in pool[:2]:
        word = word ^ np.uint32(const)
        const = (const * _MULT_B) & 0xFFFFFFFF
        word = word * np.uint32(const)
        state.append(word ^ (word >> np.uint32(16)))
    return ((state[0].astype(np.int64) << 32) | state[1].astype(np.int64)) & np.int64(2**63 - 1)
