# Set-up and everyday commands. Everything installs into .venv from this repo's own files.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL = 3

.PHONY: demo test lint-code examples bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The demo builds the example models with Keras (the `probe` extra); linting itself needs no TensorFlow.
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[probe]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[probe,dev]"
	touch $@ $(VENV)/.demo-installed

examples: $(VENV)/.demo-installed
	$(BIN)/python examples/build.py --out examples/models

## make demo: build the example models and lint them (offline)
demo: examples
	@echo
	@echo "== modelcheck lint examples/models/story1_buggy.keras (story 1: the colored-MNIST CNN) =="
	-$(BIN)/modelcheck lint examples/models/story1_buggy.keras
	@echo
	@echo "== modelcheck lint examples/models/ --layers none (every example; exit code 1 = findings) =="
	-$(BIN)/modelcheck lint examples/models/ --layers none
	@echo
	@echo "== modelcheck lint examples/source/story1_buggy.py (story 1's code: read with ast, not run) =="
	-$(BIN)/modelcheck lint examples/source/story1_buggy.py --layers none
	@echo
	@echo "== modelcheck lint examples/source/ --layers none (both stories' code, a notebook, a helper-built model) =="
	-$(BIN)/modelcheck lint examples/source/ --layers none
	@echo
	@echo "== modelcheck lint examples/source/story1_buggy.py --diff (the safe fix, not written) =="
	-$(BIN)/modelcheck lint examples/source/story1_buggy.py --diff
	@echo
	@echo "== modelcheck probe examples/models/story1_buggy.keras (trains a copy on colored MNIST) =="
	-$(BIN)/modelcheck probe examples/models/story1_buggy.keras --data colored-mnist
	@echo
	@echo "== modelcheck probe examples/models/story1_fixed.keras =="
	-$(BIN)/modelcheck probe examples/models/story1_fixed.keras --data colored-mnist

## make test: the whole test suite (what CI runs)
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q

lint-code: $(VENV)/.test-installed
	$(BIN)/ruff check modelcheck tests examples benchmarks tools
	$(BIN)/ruff format --check modelcheck tests examples benchmarks tools

## make bench: lint start-up/memory vs the Keras route, 40 applications; story 1's probe end to
## end vs a bare load+fit; source lint speed and its agreement with Keras on the oracle corpus
## (all write their results into benchmarks/README.md)
bench: examples
	$(BIN)/python benchmarks/lint_speed.py --write-readme
	$(BIN)/python benchmarks/probe_speed.py --write-readme
	$(BIN)/python benchmarks/source_speed.py --write-readme
	$(BIN)/python benchmarks/source_oracle.py --write-readme

clean:
	rm -rf $(VENV) examples/models .pytest_cache
