# demo | test | check | bench   (check + test == what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the main job: Mitra on embedded SQLite, seeded, served on loopback
	$(BIN)/mitra demo

test: $(STAMP)  ## the whole suite on every core, SQLite and PostgreSQL; policy/ must stay at 100% branch coverage
	$(BIN)/python -m pytest -n auto --cov --cov-report=term:skip-covered -q
	$(BIN)/coverage report --include='src/mitra/policy/*' --fail-under=100 --show-missing

check: $(STAMP)  ## lint, format and strict types
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

bench: $(STAMP)  ## every benchmark; each prints a RESULT line with the peer's figure and the ratio
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .coverage
