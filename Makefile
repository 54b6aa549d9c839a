# The two commands of the README: `make demo` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

SAM_VENV := .venv-sam
SAM      := $(SAM_VENV)/bin/sam

.PHONY: demo test lint typecheck unit functional cfn bench bench-replay clean build package-source

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aiops demo

# The normalizers (aiops/signals) carry a line-coverage floor of 95%. Tests run on every core
# (pytest-xdist; each worker its own process, its own moto and fake servers).
PYTEST_WORKERS ?= auto
test: $(STAMP) lint typecheck cfn
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --cov=aiops/signals --cov-report=term:skip-covered --cov-fail-under=95

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/functional

lint: $(STAMP)
	$(BIN)/ruff check aiops handlers tests bench
	$(BIN)/ruff format --check aiops handlers tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The alarm pack off (the default) and on.
cfn: $(STAMP)
	$(BIN)/cfn-lint template.yaml alarm-pack.yaml
	$(BIN)/cfn-lint template.yaml --parameters AlarmPackServiceName=chat-assistant \
		AlarmPackMonthlyBudgetUsd=500 AlarmPackLogGroupName=/aws/lambda/chat-assistant

bench: $(STAMP)
	$(BIN)/python bench/storm.py

# aiops replay end to end on the storm at 1k, 10k and 50k events: events/s and peak RSS (about a minute).
bench-replay: $(STAMP)
	$(BIN)/python bench/replay.py

# The deployable artifact (needs the AWS SAM CLI, installed into its own venv on first use).
$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli

build: $(SAM)
	$(SAM) build

# SAM's `BuildMethod: makefile` calls build-<LogicalId> with ARTIFACTS_DIR set.
build-IngestFunction build-AutomationFunction build-RunbooksInstallerFunction build-SlackAppFunction build-FlushFunction build-TimersFunction:
	$(PYTHON) -m pip install --quiet --target "$(ARTIFACTS_DIR)" --no-compile \
		boto3 'aws-lambda-powertools[tracer]>=3,<4' 'slack-sdk>=3.27,<4' 'slack-bolt>=1.18,<2' 'pydantic>=2.6,<3' \
		'jinja2>=3.1,<4' 'PyYAML>=6' --platform manylinux2014_aarch64 --implementation cp --python-version 3.12 \
		--only-binary=:all:
	$(MAKE) package-source ARTIFACTS_DIR="$(ARTIFACTS_DIR)"

# What Lambda runs, and nothing else: aiops/local (the emulator and the local drivers) and aiops/account
# (the account-reading CLI tools) stay out of the artifact (tests/unit/test_architecture.py).
package-source:
	mkdir -p "$(ARTIFACTS_DIR)"
	tar -c --exclude=__pycache__ --exclude=aiops/local --exclude=aiops/account --exclude=aiops/cli.py \
		aiops handlers runbooks playbooks | tar -x -C "$(ARTIFACTS_DIR)"

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam build .pytest_cache .mypy_cache .ruff_cache
