# Two entry points for a newcomer: `make search` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# the CIFAR-10 sample shipped in the package; e.g. DATASET=cifar10-subset DATA=../shared/data/cifar10_subset.npz
DATASET ?= cifar10-sample
DATA ?=

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q -e '.[test,events,export,notebook]'
	touch $@

.PHONY: install search test
install: $(VENV)/.installed

RUN ?= runs/quickstart-$(shell date +%Y%m%d-%H%M%S)
search: $(VENV)/.installed
	$(BIN)/snasray search --space snasnet-backward --searcher evolution --budget 40 --seed 0 \
		--dataset $(DATASET) $(if $(DATA),--data-dir $(DATA)) --preset tiny --batch-size 64 --repeat 2 --out $(RUN)
	$(BIN)/snasray report $(RUN)

test: $(VENV)/.installed
	$(BIN)/ruff check snasray tests benchmarks cluster analysis
	$(BIN)/python -m pytest -q -p no:cacheprovider
