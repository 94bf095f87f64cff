# Every target bootstraps .venv on a fresh machine; only python3 (3.11+) is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo run test lint eval bench bench-history faults check-config clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the whole service offline: embedded PostgreSQL, emulated VK and Telegram
	$(BIN)/gospablik demo $(ARGS)

run: $(STAMP)  ## the service, configured by gospablik.toml and the environment
	$(BIN)/gospablik run

check-config: $(STAMP)
	$(BIN)/gospablik check-config

test: $(STAMP)  ## three parallel workers (ARGS="-n 0" for one), each on its own embedded PostgreSQL
	$(BIN)/python -m pytest -q -rs -n 3 $(ARGS)

lint: $(STAMP)  ## ruff, and mypy over the service's packages
	$(BIN)/ruff check .
	$(BIN)/mypy

eval: $(STAMP)  ## classifier quality on the shared data sets and our own labelled set
	$(BIN)/python -m bench.eval_classifier

bench: $(STAMP)  ## speed and memory, printed, never asserted (~25 min: the ingest figures, then the 1,000,000-row history)
	$(BIN)/python -m bench.bench_classifier
	$(BIN)/python -m bench.bench_ingest
	$(BIN)/python -m bench.bench_registry
	$(BIN)/python -m bench.bench_history

bench-history: $(STAMP)  ## history does not matter: a 1,000,000-row fixture, then card latency, idle CPU, plans, ingest in rounds (~13 min)
	$(BIN)/python -m bench.bench_history $(ARGS)

faults: $(STAMP)  ## the service in its own process, killed, starved and flooded; promises checked (ARGS="kill fuzz")
	$(BIN)/python -m faults.run $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
