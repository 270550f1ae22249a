# demo | test | check | bench   (check + test == what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench clean catalogues

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

catalogues: $(STAMP)  ## extract the pages' strings and update the ms and hi catalogues (then translate what is new)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o var/messages.pot .
	for lang in ms hi; do \
	  if [ -f src/mitra/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i var/messages.pot -d src/mitra/locale -l $$lang --no-fuzzy-matching --ignore-obsolete --omit-header; \
	  else $(BIN)/pybabel init -i var/messages.pot -d src/mitra/locale -l $$lang; fi; \
	done
