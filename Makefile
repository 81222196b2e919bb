# The two commands: `make report` renders, `make test` tests. Both set up .venv
# from the lock, requirements.txt, on first use (tools/setup-venv.sh). See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cksum package-lock.json 2>/dev/null | cut -d' ' -f1)
OUT    := _output

export RAW_PARAMS RAW_PAPER RAW_OFFLINE

.PHONY: report test check snapshot bench bench-setup clean env lock

env: $(STAMP)

$(STAMP): requirements.txt tools/setup-venv.sh
	@echo "== setting up $(VENV) from the lock, requirements.txt (first run only)"
	@PYTHON=$(PYTHON) VENV=$(VENV) tools/setup-venv.sh && touch $@

# Regenerate the lock after editing requirements.in, with the uv that set up .venv
# (requirements-overrides.txt: versions that replace a package's own constraint).
lock: $(STAMP)
	$(VENV)/.tools/bin/uv pip compile requirements.in --generate-hashes --python-version 3.11 \
	  --override requirements-overrides.txt \
	  --python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" \
	  --quiet -o requirements.txt

# Real Quarto when it is on PATH (set OFFLINE=1 to force the offline renderer).
# PAPER=us-letter renders the PDFs on US Letter instead of A4.
# PARAMS="r=0.3 paired_test=exact" renders the report alone with other assumptions
# (its `parameters` cell; Quarto's -P) to _output/report-r0.3-paired_testexact.*,
# never over the default report.
# The three reach tools/report.sh through the environment, unexpanded ($(value ...)),
# never pasted into the recipe's shell text; the script checks every word.
override RAW_PARAMS := $(value PARAMS)
override RAW_PAPER := $(value PAPER)
override RAW_OFFLINE := $(value OFFLINE)
unexport PARAMS PAPER OFFLINE

report: $(STAMP) $(NODE_STAMP)
	@PARAMS="$$RAW_PARAMS" PAPER="$$RAW_PAPER" OFFLINE="$$RAW_OFFLINE" BIN=$(BIN) OUT=$(OUT) tools/report.sh

# JavaScript from package-lock.json: reveal.js, which the offline renderer embeds
# into the slides, and axe-core for the browser tests. Without npm the offline
# renderer stops at slides.qmd with a message (Quarto brings its own reveal.js)
# and the accessibility tests skip (and fail under CI=true).

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  echo "== installing reveal.js and axe-core with npm ci (first run only)"; \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "== npm not found: the offline renderer cannot render slides.qmd (it needs reveal.js from npm)"; \
	  echo "   and the axe-core accessibility tests will skip; install nodejs and npm (apt-get install npm)"; \
	fi

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

# The fast loop while editing data/ or analysis/: the data check, then the data,
# statistics, results, roster and document-attribute tests, no renders (under a minute).
CHECK_TESTS := tests/test_data.py tests/test_stats.py tests/test_meta.py tests/test_results.py \
               tests/test_roster.py tests/test_attributes.py tests/test_parameters.py
check: $(STAMP)
	@echo "== checking data/"
	@$(BIN)/python -m analysis check
	$(BIN)/python -m pytest -q -m "not render and not quarto and not browser" $(CHECK_TESTS)

# After a deliberate change to data/ (a new trial, an erratum): rewrite tests/snapshot.json,
# today's facts the tests compare with, then review `git diff tests/snapshot.json`.
snapshot: $(STAMP)
	$(BIN)/python -m tests.snapshot --refresh

# Cold, prose-edit and warm renders against the floor and each document's own work; prints a table and ratios.
bench: $(STAMP)
	$(BIN)/python -m render.bench --runs $(or $(RUNS),3)

# The newcomer's wait: fresh clone, empty caches, make env then the first make report.
bench-setup: $(STAMP)
	OFFLINE="$$RAW_OFFLINE" $(BIN)/python -m render.bench_setup

clean:
	rm -rf $(OUT) .cache .pytest_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
