# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run test check fmt install seed bench bench-data fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Migrate the SQLite file under ./data, load the seed cases, serve on http://127.0.0.1:8000
run: install
	$(BIN)/contested db upgrade
	$(BIN)/contested seed
	$(BIN)/contested serve --host 127.0.0.1 --port 8000

## Lint, type-check, then the whole suite (on PostgreSQL too if CONTESTED_TEST_POSTGRES_URL is set)
test: install check
	$(BIN)/pytest -p no:cacheprovider -n 2

check: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format app tests bench
	$(BIN)/ruff check --fix app tests bench

seed: install
	$(BIN)/contested seed

## Claim-list benchmark against a bare Starlette + sqlite3 floor (see docs/benchmarks.md)
bench: install
	bash bench/run.sh

## An archive of N claims (default 10000) as NDJSON, loaded with contested import into
## bench/data/archive-<N>.db, with the import's claims per minute (see docs/benchmarks.md)
N ?= 10000
bench-data: install
	$(BIN)/python bench/make_archive.py --claims $(N) --force

## Schemathesis, longer and with a random seed printed first (FUZZ_SEED=n reruns one, FUZZ_EXAMPLES=n sizes it)
fuzz: install
	@seed=$${FUZZ_SEED:-$$($(BIN)/python -c 'import random; print(random.randrange(2**32))')}; \
	echo "fuzz seed: $$seed"; \
	CONTESTED_TEST_FUZZ_SEED=$$seed CONTESTED_TEST_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-40} \
		$(BIN)/pytest -p no:cacheprovider -q -s tests/contract/test_schemathesis.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache clients/typescript/node_modules
