# streamer: `make run` sets up and starts the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned to the CPU build; installed first so nothing pulls a GPU build.
TORCH := torch==2.13.0
RUN_DEBS := libportaudio2
TEST_DEBS := $(RUN_DEBS) espeak-ng
DEMO := assets/demo.mp4

.PHONY: run test lint demo clean

run: $(VENV)/.app
	$(PY) launch.py ingest $(DEMO)

test: $(VENV)/.test
	$(PY) -m pytest -q

lint: $(VENV)/.test
	$(PY) -m ruff check streamer models ui tests launch.py
	$(PY) -m mypy

demo: $(VENV)/.test
	$(PY) tools/make_demo.py $(DEMO)

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install $(TORCH)
	touch $@

$(VENV)/.app: $(VENV)/.base
	bash tools/system-deps.sh $(RUN_DEBS)
	$(PIP) install -e '.[app]'
	touch $@

$(VENV)/.test: $(VENV)/.base
	bash tools/system-deps.sh $(TEST_DEBS)
	$(PIP) install -e '.[app,test,dev]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
