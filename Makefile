# Each Python gets its own virtual environment under .venv/, created on first use, with the
# library and the example data package (datasets/airports) installed in editable mode.
EXAMPLE = datasets/airports
EXAMPLE_ARTIFACT = $(EXAMPLE)/src/microcosm_sqlite_airports/airports.sqlite
PYTHONS ?= 3.11 3.13
RUN_PYTHON ?= 3.11
VENV_DIR ?= .venv

# The interpreter for a version: pyenv's when pyenv has it, else pythonX.Y on PATH.
python_for = $(or $(shell pyenv prefix $(shell pyenv latest $(1) 2>/dev/null) 2>/dev/null | sed 's|$$|/bin/python|'),$(shell command -v python$(1)))
venv_python = $(VENV_DIR)/py$(1)/bin/python

# the suite against the oldest dependencies setup.cfg admits, and against the newest SQLAlchemy 2.0
FLOOR_PYTHON ?= 3.11
SQLALCHEMY_2_0_PYTHON ?= 3.12

.PHONY: run test test-floor test-sqlalchemy-2.0 lint bench fuzz soak datasets check-datasets clean \
	docs test-docs-recipe

# Install with every extra once per Python, again whenever setup.cfg changes.
$(VENV_DIR)/py%/installed: setup.cfg pyproject.toml $(EXAMPLE)/pyproject.toml
	rm -rf $(VENV_DIR)/py$*
	$(call python_for,$*) -m venv $(VENV_DIR)/py$*
	$(call venv_python,$*) -m pip install --quiet --upgrade pip
	$(call venv_python,$*) -m pip install --quiet -e '.[test,lint,bench,docs]' -e $(EXAMPLE)
	touch $@

# The same, pinned by a constraints file: .venv/floor and .venv/sqlalchemy-2.0.
$(VENV_DIR)/floor/installed: setup.cfg pyproject.toml $(EXAMPLE)/pyproject.toml constraints/floor.txt
	rm -rf $(VENV_DIR)/floor
	$(call python_for,$(FLOOR_PYTHON)) -m venv $(VENV_DIR)/floor
	$(VENV_DIR)/floor/bin/python -m pip install --quiet --upgrade pip
	$(VENV_DIR)/floor/bin/python -m pip install --quiet -c constraints/floor.txt \
		-e '.[test,bench]' -e $(EXAMPLE)
	touch $@

$(VENV_DIR)/sqlalchemy-2.0/installed: setup.cfg pyproject.toml $(EXAMPLE)/pyproject.toml \
		constraints/sqlalchemy-2.0.txt
	rm -rf $(VENV_DIR)/sqlalchemy-2.0
	$(call python_for,$(SQLALCHEMY_2_0_PYTHON)) -m venv $(VENV_DIR)/sqlalchemy-2.0
	$(VENV_DIR)/sqlalchemy-2.0/bin/python -m pip install --quiet --upgrade pip
	$(VENV_DIR)/sqlalchemy-2.0/bin/python -m pip install --quiet -c constraints/sqlalchemy-2.0.txt \
		-e '.[test,bench]' -e $(EXAMPLE)
	touch $@

run: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(call venv_python,$(RUN_PYTHON)) -m microcosm_sqlite_airports.demo
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/microcosm-sqlite inspect $(EXAMPLE_ARTIFACT)

# Each Python's run measures coverage and fails under the floor that setup.cfg sets
# ([coverage:report] fail_under); the floor and SQLAlchemy 2.0 runs below only test.
COVERAGE = --cov=microcosm_sqlite --cov-report=term:skip-covered
test: $(foreach version,$(PYTHONS),$(VENV_DIR)/py$(version)/installed)
	@for version in $(PYTHONS); do \
		echo "=== Python $$version ==="; \
		$(VENV_DIR)/py$$version/bin/python -m pytest -q -p no:cacheprovider $(COVERAGE) || exit 1; \
	done

test-floor: $(VENV_DIR)/floor/installed
	$(VENV_DIR)/floor/bin/python -c 'import sqlalchemy, microcosm; print("=== floor: SQLAlchemy", sqlalchemy.__version__, "on Python", __import__("sys").version.split()[0], "===")'
	$(VENV_DIR)/floor/bin/python -m pytest -q -p no:cacheprovider

test-sqlalchemy-2.0: $(VENV_DIR)/sqlalchemy-2.0/installed
	$(VENV_DIR)/sqlalchemy-2.0/bin/python -c 'import sqlalchemy, sys; print("=== SQLAlchemy", sqlalchemy.__version__, "on Python", sys.version.split()[0], "===")'
	$(VENV_DIR)/sqlalchemy-2.0/bin/python -m pytest -q -p no:cacheprovider

lint: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/ruff check microcosm_sqlite tests bench datasets
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/ruff format --check microcosm_sqlite tests bench datasets
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/mypy
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/lint-imports

# The benchmark's own environment holds the library and the bench extra only, as a service
# that reads data does: microcosm's graph imports every installed package's components, so in
# the development environment (microcosm-flask, from the test extra) a cold start would
# measure those.
$(VENV_DIR)/bench/installed: setup.cfg pyproject.toml
	rm -rf $(VENV_DIR)/bench
	$(call python_for,$(RUN_PYTHON)) -m venv $(VENV_DIR)/bench
	$(VENV_DIR)/bench/bin/python -m pip install --quiet --upgrade pip
	$(VENV_DIR)/bench/bin/python -m pip install --quiet -e '.[bench]'
	touch $@

# Compiled first, as an installed package is: SQLAlchemy's modules come compiled from pip, and
# where PYTHONDONTWRITEBYTECODE is set, cold starts would otherwise compile ours every run.
bench: $(VENV_DIR)/bench/installed
	$(VENV_DIR)/bench/bin/python -m compileall -q microcosm_sqlite bench
	$(VENV_DIR)/bench/bin/python -m bench

# Not in CI: the property and damaged-artifact tests at length (make test runs a few dozen
# cases of each): random typed rows (HYPOTHESIS_PROFILE=fuzz), FUZZ_CASES=N FUZZ_SEED=S.
FUZZ_CASES ?= 1000
fuzz: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	HYPOTHESIS_PROFILE=fuzz FUZZ_CASES=$(FUZZ_CASES) $(call venv_python,$(RUN_PYTHON)) -m pytest \
		-q -p no:cacheprovider --timeout=0 tests/building/test_roundtrip_properties.py \
		tests/artifact/test_fuzz_artifacts.py

# Not in CI: threads and forked processes reading for SOAK_SECONDS, every answer checked
# against raw sqlite3, the artifact renamed over meanwhile; fails on any error or mismatch.
SOAK_SECONDS ?= 60
soak: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(call venv_python,$(RUN_PYTHON)) -m bench.soak --seconds $(SOAK_SECONDS) --threads 16 \
		--processes 4

# Not in CI (it needs a 2.x checkout): microcosm-sqlite 2.x's own test suite, unchanged, against
# this version (see upstream/2x/run.py); prints "N of 26 passed" and fails under 25.
#   make test-2x MICROCOSM_SQLITE_2X=/path/to/2.x/checkout [TEST_2X_VENV=floor]
.PHONY: test-2x
TEST_2X_VENV ?= py$(RUN_PYTHON)
test-2x: $(VENV_DIR)/$(TEST_2X_VENV)/installed
	@test -n "$(MICROCOSM_SQLITE_2X)" || (echo "set MICROCOSM_SQLITE_2X to a 2.x checkout"; exit 2)
	$(VENV_DIR)/$(TEST_2X_VENV)/bin/python -m pip install --quiet -r upstream/2x/requirements.txt
	MICROCOSM_SQLITE_2X="$(MICROCOSM_SQLITE_2X)" $(VENV_DIR)/$(TEST_2X_VENV)/bin/python \
		upstream/2x/run.py -q

datasets: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/microcosm-sqlite build microcosm_sqlite_airports.models \
		$(EXAMPLE)/sources -o $(EXAMPLE_ARTIFACT)

# Fails when the committed artifact is not exactly what its sources build.
check-datasets: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(VENV_DIR)/py$(RUN_PYTHON)/bin/microcosm-sqlite build --quiet microcosm_sqlite_airports.models \
		$(EXAMPLE)/sources -o $(VENV_DIR)/airports.sqlite
	cmp $(VENV_DIR)/airports.sqlite $(EXAMPLE_ARTIFACT) \
		|| (echo "$(EXAMPLE_ARTIFACT) is stale: run make datasets"; exit 1)

# The documentation site, into site/, warnings as errors; its reference pages are generated from
# the code by docs/_gen (see mkdocs.yml).
docs: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	NO_MKDOCS_2_WARNING=1 $(VENV_DIR)/py$(RUN_PYTHON)/bin/mkdocs build --strict --site-dir site

# The install and packaging pages followed word for word in fresh virtual environments, this
# checkout standing in for the git URL (a minute or two; the regular suite skips them).
test-docs-recipe: $(VENV_DIR)/py$(RUN_PYTHON)/installed
	$(call venv_python,$(RUN_PYTHON)) -m pytest -q -p no:cacheprovider -m docs_recipe \
		tests/test_docs.py

clean:
	rm -rf $(VENV_DIR) build site *.egg-info
