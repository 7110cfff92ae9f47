"""Running many persons at once: the shared MLflow experiment, the local Airflow runner, data-parallel training.

The Airflow DAG itself lives in airflow/dags/ (it imports nothing from this package: Airflow runs in its own venv and
calls the project's `kedro run` per person)."""
