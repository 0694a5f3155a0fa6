# Two entry points for people (README): `make run` and `make test`. Both build .venv from scratch when needed, with
# the bench extra too: the tests of the benchmark's peer adapters need the peers, and a missing peer fails them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: run test lint typecheck unit fuzz bench compiled test-compiled clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# parc's main job: the audit of the bundled example organization (summary on the terminal, the full report in
# parc-report.html). It exits 0 unless --fail-on is given, so the example's deliberate findings do not fail make.
run: $(STAMP)
	$(BIN)/parc audit examples/org --framework cis-aws-7.0 --output parc-report.html

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# The fuzz tests (tests/fuzz) for FUZZ_SECONDS each instead of the short pass make test gives them (issue 19).
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	PARC_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest tests/fuzz -p no:cacheprovider

# The decision path compiled with mypyc into build/compiled (needs a C compiler; pure parc needs none). It never
# shadows the sources: use it with PYTHONPATH=build/compiled. test-compiled runs the whole suite against it.
compiled: $(STAMP)
	$(BIN)/python tools/build_compiled.py

test-compiled: compiled
	PARC_EXPECT_BUILD=compiled PYTHONPATH=build/compiled $(BIN)/pytest -p no:cacheprovider

# Peers and parc side by side (pure Python), then parc compiled on the same workload.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python tools/build_compiled.py && PYTHONPATH=build/compiled $(BIN)/python benchmarks/run.py --peers none --no-extras

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
