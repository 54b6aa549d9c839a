# The two commands of the README: `make demo` and `make test`. Each sets up .venv by itself.
export NO_MKDOCS_2_WARNING := 1
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

SAM_VENV := .venv-sam
SAM      := $(SAM_VENV)/bin/sam

.PHONY: demo test lint typecheck docs architecture unit functional chaos cfn bench bench-replay bench-alertmanager coldstart clean \
	build deploy package-source lock mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aiops demo

# Tests run on every core (pytest-xdist; each worker its own process, its own moto and fake servers;
# one scenario's cases on one worker, which shares their replays). Every tier: unit, functional, chaos.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup
# The normalizers (aiops/signals) carry a line-coverage floor of 95%, measured by the tests written for
# them. Only those run under coverage: its tracer doubles the time of the tests that drive moto.
NORMALIZER_TESTS := $(sort $(wildcard tests/unit/test_normalize_*.py)) tests/unit/test_samples.py \
	tests/unit/test_fast_path.py tests/unit/test_event_routing.py tests/functional/test_peer_corpus.py \
	tests/functional/test_cli_normalize.py

test: $(STAMP) lint typecheck cfn docs architecture
	$(PYTEST) $(NORMALIZER_TESTS) --cov=aiops/signals --cov-report=term:skip-covered --cov-fail-under=95
	$(PYTEST) -m "not architecture" tests $(addprefix --ignore=,$(NORMALIZER_TESTS))

# The static checks of the code's shape (pure core, import direction, module size, no import circle),
# run and reported apart from the behaviour tests.
architecture: $(STAMP)
	$(BIN)/python -m pytest -n 0 -m architecture tests/unit/test_architecture.py

unit: $(STAMP)
	$(PYTEST) tests/unit

functional: $(STAMP)
	$(PYTEST) tests/functional

# The storm under injected AWS, Slack and PagerDuty faults (30 seeds at 1%, 2%, 5%), and ten
# targeted faults; prints the table of outcomes. Part of `make test` too.
chaos: $(STAMP)
	$(PYTEST) tests/chaos

lint: $(STAMP)
	$(BIN)/ruff check aiops handlers tests bench
	$(BIN)/ruff format --check aiops handlers tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Mutation testing of the guard modules with the fast tests that cover them (docs/mutation.md): about 35
# minutes on 2 busy cores, so a target of its own and a step of .ci/run, not part of `make test`. mutmut
# keeps its results in mutants/ and runs again only the mutants whose code or tests changed. The last
# line is the score; it fails when the score falls below tests/mutation-score.txt, or a mutant survives
# that tests/mutation-equivalents.yaml does not explain.
MUTATION_CHILDREN ?= 2
mutation: $(STAMP)
	mkdir -p mutants
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) > mutants/run.log 2>&1 || (tail -n 40 mutants/run.log; exit 1)
	$(BIN)/python .ci/mutation_ratchet.py


# The reference (docs/, mkdocs.yml) into build/site; --strict: a broken link or anchor fails the build.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet

# The alarm pack off (the default) and on; the pack alone with its LLM-native families off and all on.
cfn: $(STAMP)
	$(BIN)/cfn-lint template.yaml alarm-pack.yaml
	$(BIN)/cfn-lint template.yaml --parameters AlarmPackServiceName=chat-assistant \
		AlarmPackMonthlyBudgetUsd=500 AlarmPackLogGroupName=/aws/lambda/chat-assistant
	$(BIN)/cfn-lint alarm-pack.yaml --parameter-files tests/support/cfn-params/alarm-pack-llm-off.json
	$(BIN)/cfn-lint alarm-pack.yaml --parameter-files tests/support/cfn-params/alarm-pack-llm-on.json

bench: $(STAMP)
	$(BIN)/python bench/storm.py

# aiops replay end to end on the storm at 1k, 10k and 50k events: events/s and peak RSS (about a minute).
bench-replay: $(STAMP)
	$(BIN)/python bench/replay.py

# The core's CPU per event beside Prometheus Alertmanager's per alert, on the same 50,000-event storm.
bench-alertmanager: $(STAMP)
	$(BIN)/python bench/alertmanager.py

coldstart: $(STAMP)
	$(BIN)/python bench/coldstart.py

# The deployable artifact (needs the AWS SAM CLI, pinned, installed into its own venv on first use).
SAM_CLI_VERSION := 1.170.0
# The Lambda runtime's platform: every dependency is a python3.12 arm64 wheel.
LAMBDA_PLATFORM := --platform manylinux2014_aarch64 --implementation cp --python-version 3.12 --only-binary=:all:

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet 'aws-sam-cli==$(SAM_CLI_VERSION)'

build: $(SAM)
	$(SAM) build --build-in-source  # make runs here: no copy of the tree (and its .venv) per function

# Deploy what `make build` built: samconfig.toml names the stack (aiops) and sets the safe parameters
# (dry-run, no reserved concurrency); it asks nothing. Your AWS credentials and region, as for the AWS CLI.
deploy: $(SAM)
	$(SAM) deploy

# SAM's `BuildMethod: makefile` calls build-<LogicalId> with ARTIFACTS_DIR set. The dependencies go once
# into the shared layer, exactly as pinned in requirements.txt (hashes required); each function's own
# package is the source only.
build-DependenciesLayer:
	$(PYTHON) -m pip install --quiet --no-deps --require-hashes -r requirements.txt \
		--target "$(ARTIFACTS_DIR)/python" --no-compile $(LAMBDA_PLATFORM)

build-IngestFunction build-AutomationFunction build-RunbooksInstallerFunction build-SlackAppFunction \
		build-FlushFunction build-PagerDutyWebhookFunction build-ForecastFunction build-TimersFunction:
	$(MAKE) package-source ARTIFACTS_DIR="$(ARTIFACTS_DIR)"

# What Lambda runs, and nothing else: aiops/local (the emulator and the local drivers), aiops/account
# (the account-reading CLI tools) and aiops/data (the demo catalog and scenario) stay out of the artifact
# (tests/unit/test_architecture.py).
package-source:
	mkdir -p "$(ARTIFACTS_DIR)"
	tar -c --exclude=__pycache__ --exclude=aiops/local --exclude=aiops/account --exclude=aiops/cli.py \
		--exclude=aiops/data aiops handlers runbooks playbooks | tar -x -C "$(ARTIFACTS_DIR)"

# Re-pin requirements.txt from pyproject.toml's ranges (asks the package index).
lock: $(STAMP)
	$(BIN)/python .ci/lock.py

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam build .pytest_cache .mypy_cache .ruff_cache
