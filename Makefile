# Two entry points for a newcomer: `make search` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DATA ?= ../shared/data/cifar10_subset.npz

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q -e '.[test]'
	touch $@

.PHONY: install search test
install: $(VENV)/.installed

search: $(VENV)/.installed
	$(BIN)/snasray space count --space snasnet-backward

test: $(VENV)/.installed
	$(BIN)/ruff check snasray tests benchmarks
	$(BIN)/python -m pytest -q -p no:cacheprovider
