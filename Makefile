# carepath developer tasks. Needs only python3 (with the venv module) and access to PyPI.

PYTHON   ?= python3
VENV      = .venv
BIN       = $(VENV)/bin
# Everything (tests, notebooks, Dask) from requirements.lock; running only from requirements-run.lock.
STAMP     = $(VENV)/.installed
RUN_STAMP = $(VENV)/.installed-run
SCENARIO ?= scenarios/chongqing_three_links.yaml
RUN_OUT  ?= out
OUT      ?= results
JOBS     ?= 0
ARGS     ?=
BENCH_ARGS ?=
# The bundled probabilistic sensitivity analysis (docs/psa.md): its folder is committed under results/.
PSA_SCENARIO ?= scenarios/demo_county_recognition.yaml
PSA_SAMPLES  ?= 64
# The bundled scenarios `make results` also runs from a committed posterior (docs/calibration.md),
# each as scenario:calibration-folder: scenarios/<scenario>.yaml at $(OUT)/<folder>/posterior.csv,
# into $(OUT)/<scenario>_posterior/.  The calibrations themselves are run only by the commands
# docs/calibration.md gives.  POSTERIOR_REPLICATIONS, if set, overrides each file's replications.
POSTERIOR_RUNS ?= chongqing_three_links:chongqing_three_links_calibration \
	mianyang_recognition:mianyang_recognition_calibration \
	mianyang_outreach:mianyang_outreach_calibration \
	suixi_county:suixi_county_slice_calibration
POSTERIOR_REPLICATIONS ?=

.DEFAULT_GOAL := help

.PHONY: help install run psa test test-fast test-slow lint typecheck format check clean validate report golden bench results lock docs

help:
	@echo "make install    create $(VENV) with everything in requirements.lock (tests, notebooks, Dask) and carepath"
	@echo "make run        install only what running needs (requirements-run.lock), run SCENARIO=$(SCENARIO)"
	@echo "                into $(RUN_OUT)/ on JOBS cores and print its savings (extra options: ARGS=...)"
	@echo "make psa        probabilistic sensitivity analysis of PSA_SCENARIO=$(PSA_SCENARIO) with"
	@echo "                PSA_SAMPLES=$(PSA_SAMPLES) samples into $(OUT)/<scenario>_psa/ (about 8 minutes on 2 cores)"
	@echo "make lock       rewrite requirements.lock and requirements-run.lock from pyproject.toml (uv)"
	@echo "make test       ruff check, ruff format --check, mypy, pytest (skips 'slow' tests), make docs"
	@echo "make docs       the docs site (mkdocs, warnings as errors) into build/docs/; open build/docs/index.html"
	@echo "make test-fast  pytest of the unit tests only (skips 'integration' and 'slow'), under a minute"
	@echo "make test-slow  pytest -m slow"
	@echo "make typecheck  mypy on models/carepath (settings in pyproject.toml)"
	@echo "make lint       ruff check"
	@echo "make format     ruff format, then ruff check --fix"
	@echo "make check      validate every scenarios/*.yaml"
	@echo "make bench      benchmarks/bench_model.py: speed vs bare SimPy, memory, speed-up (BENCH_ARGS=--json)"
	@echo "make clean      remove $(VENV), caches and build artefacts (keeps results/)"
	@echo "make validate   run scenarios/validation/ against queueing theory: $(OUT)/validation/queueing.csv"
	@echo "make report     write $(OUT)/validation.md from the results on disk (no simulation)"
	@echo "make golden     rewrite tests/golden/ (the golden back-test tables) after an intended change"
	@echo "make figures    redraw every figure from $(OUT)/ into $(OUT)/figures/ and $(OUT)/validation.md (no simulation)"
	@echo "make reproduce  re-run the committed $(OUT)/ of the bundled scenarios; fail naming changes"
	@echo "make results    from a clean tree: re-run every bundled scenario into results/, each of"
	@echo "                POSTERIOR_RUNS from its committed posterior into $(OUT)/<scenario>_posterior/,"
	@echo "                validate, golden tables, figures, report (not the PSA nor the calibrations)"

# Exact versions with hashes (--require-hashes), then carepath itself without dependencies.
# Re-installs whenever a lock or pyproject.toml changes; the full install covers running too.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/pip install --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --no-deps -e .
	touch $@ $(RUN_STAMP)

$(RUN_STAMP): requirements-run.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/pip install --require-hashes --no-deps -r requirements-run.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/carepath run $(SCENARIO) --out $(RUN_OUT) --jobs $(JOBS) --headline $(ARGS)

psa: $(RUN_STAMP)
	$(BIN)/carepath psa $(PSA_SCENARIO) --samples $(PSA_SAMPLES) --out $(OUT) --jobs $(JOBS) --quiet

# The run lock is solved within the full one, so both give each package the same version.
LOCK_FLAGS = --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra notebooks --extra cluster $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml -c requirements.lock $(LOCK_FLAGS) -o requirements-run.lock
	$(BIN)/python tools/environment_from_lock.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(DOCS_BUILD)

# The reference pages are generated from this checkout's package (models/ first on the path) by
# the hook tools/docs_reference.py; --strict makes every warning (a broken link, a page missing
# from the nav) an error.
DOCS_BUILD = PYTHONPATH=models NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
docs: $(STAMP)
	$(DOCS_BUILD)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not integration"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	$(BIN)/carepath check scenarios/*.yaml

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis
	rm -rf *.egg-info models/*.egg-info
	find . -path ./.git -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) \
		-prune -exec rm -rf {} +

# Verification and validation (README "Verification and validation").
validate: $(STAMP)
	$(BIN)/carepath validate --out $(OUT)/validation --jobs $(JOBS)

report: $(STAMP)
	$(BIN)/carepath report --results $(OUT)

golden: $(STAMP)
	$(BIN)/python -m carepath.workflows.golden --update

.PHONY: figures reproduce

# Reads the committed CSVs and manifests only (no simulation); a second run gives
# byte-identical files.  Also writes $(OUT)/validation.md (the plausibility and queueing report).
figures: $(STAMP)
	$(BIN)/carepath figures --results $(OUT) --out $(OUT)/figures
	$(BIN)/carepath report --results $(OUT)

# Several minutes: re-runs every bundled scenario's committed results on JOBS cores (0 = all).
reproduce: $(STAMP)
	$(BIN)/carepath reproduce --results $(OUT) --jobs $(JOBS)

# Regenerates everything committed that a run makes, from a clean tree (so every manifest records
# the commit it came from, not "uncommitted changes"), on all cores: every bundled scenario's
# folder under results/, each scenario of POSTERIOR_RUNS again from its committed posterior (one
# whose posterior.csv is not committed yet is skipped, saying so), the queueing checks, the
# golden tables, the figures and the report.  The calibrations and the 64-sample PSA are re-run
# only by their own commands (docs/calibration.md, `make psa`).  A posterior run takes about as
# long as its scenario's plain run at as many replications; the Suixi county most of the time.
# ALLOW_DIRTY=1 skips the clean-tree check (for trying it out; do not commit what it makes).
results: $(STAMP)
	@if [ -z "$(ALLOW_DIRTY)" ] && [ -n "$$(git status --porcelain --untracked-files=no)" ]; then \
		echo "make results: the tree has uncommitted changes; commit them first (or ALLOW_DIRTY=1)" >&2; \
		exit 2; \
	fi
	$(BIN)/carepath run scenarios/*.yaml --out $(OUT) --jobs 0 --quiet
	@for pair in $(POSTERIOR_RUNS); do \
		scenario=$${pair%%:*}; posterior=$(OUT)/$${pair#*:}/posterior.csv; \
		if [ ! -f "$$posterior" ]; then \
			echo "make results: no $$posterior yet: $$scenario is not run from a posterior"; \
			continue; \
		fi; \
		run="$(BIN)/carepath run scenarios/$$scenario.yaml --posterior $$posterior --out $(OUT)"; \
		run="$$run --jobs 0 --quiet$(if $(POSTERIOR_REPLICATIONS), --replications $(POSTERIOR_REPLICATIONS))"; \
		echo "$$run"; $$run || exit 1; \
	done
	$(BIN)/carepath validate --out $(OUT)/validation --jobs 0
	$(BIN)/python -m carepath.workflows.golden --update
	$(BIN)/carepath figures --results $(OUT) --out $(OUT)/figures
	$(BIN)/carepath report --results $(OUT)

.PHONY: fonts
# Optional: a CJK font for the Chinese figure labels (CAREPATH_FIGURE_LANGUAGE=zh make figures).
# No root needed: Noto Sans CJK from PyPI (a pinned wheel, its SHA-256 checked) unpacked into
# the user's font folder (~/.local/share/fonts/carepath/); without it the figures stay English.
fonts: $(RUN_STAMP)
	$(BIN)/python -c "import sys; from carepath.analysis.figures.fonts import main; sys.exit(main())"
