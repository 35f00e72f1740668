# Bootstraps .venv with a Python >= 3.12 found on this machine, then runs the project.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
OUT ?= output

# First Python >= 3.12 among: python3.13, python3.12 on PATH, then pyenv's installed versions.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$c; break; }; done)

.PHONY: help setup demo test bench lint mutate clean

help:
	@echo "make demo   run the NAFTA-2017 scenario, print a summary, write a figure to $(OUT)/"
	@echo "make test   run every test"
	@echo "make bench  measure speed and memory (figures go in BENCHMARKS.md)"
	@echo "make mutate mutation testing of the core modules with mutmut, then the score (QUALITY.md: about an hour or more)"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: no Python >= 3.12 found (tried python3.13, python3.12, python3, pyenv versions)." >&2; \
		echo "Install one, e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv'," >&2; \
		echo "or point to it: make PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@echo "using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,negmas,npe]'
	@touch $@

setup: $(VENV)/.installed

demo: setup
	@mkdir -p $(OUT)
	$(VENV)/bin/bargaining run nafta-2017 --seed 1 --plot $(OUT)/nafta-2017.png

# TEST_JOBS=1 runs the tests in one process; by default pytest-xdist spreads them over every core.
TEST_JOBS ?= auto

test: setup
	$(PY) -m pytest -n $(TEST_JOBS)

# BEFORE=DIR also times an older checkout's engine side by side (e.g. `git worktree add --detach DIR 0dcc594`).
bench: setup
	$(PY) benchmarks/run.py $(if $(BEFORE),--before $(BEFORE))
	$(if $(BEFORE),$(PY) benchmarks/scenarios_by_strategy.py --before $(BEFORE))
	$(PY) benchmarks/sweep.py --experiment experiments/threat_credibility.toml --replications 9524
	$(PY) benchmarks/heterogeneous.py
	$(PY) benchmarks/calibration.py  # calibrate and forecast, population 200 (--before DIR: side by side)
	$(PY) benchmarks/priors_batch.py --draws 1000  # priors-2017 draws in one model (--before DIR: side by side)
	$(PY) benchmarks/sweep.py --experiment experiments/sensitivity.toml
	$(PY) benchmarks/sweep.py --experiment experiments/sensitivity.toml --replications 8 --runs 0 --distances-runs 0 --memory-runs 0  # issue 20's count of runs
	$(PY) benchmarks/negmas_agents.py --seeds 10  # with the extra bargaining[negmas] only (says so and skips otherwise)
	$(PY) benchmarks/coalitions.py
	$(PY) benchmarks/random_quota_games.py
	$(PY) benchmarks/npe.py  # with the extra bargaining[npe] only (says so and skips otherwise)

# Mutation testing (QUALITY.md), not part of `make test`. Which modules are mutated (only_mutate) and which
# tests run (pytest_add_cli_args_test_selection) are set in [tool.mutmut] in pyproject.toml. Every run starts
# afresh; the results stay in mutants/ (`$(VENV)/bin/mutmut browse`, `mutmut show NAME`).
MUTATE_JOBS ?= 2

mutate: setup
	rm -rf mutants
	time $(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS)
	$(PY) tools/mutation_score.py

lint: setup
	$(VENV)/bin/ruff check bargaining tests benchmarks experiments tools

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache mutants
