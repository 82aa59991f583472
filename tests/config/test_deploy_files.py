"""docker-compose.yml and Procfile are checked here because Docker does not run in CI."""

import json
import shlex
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
CONTRACT_PROCESSES = {
    "web": "gunicorn config.wsgi",
    "worker": "celery -A config worker",
    "beat": "celery -A config beat --scheduler django_celery_beat.schedulers:DatabaseScheduler",
}


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip())


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_passes_the_compose_spec_schema():
    schema = json.loads((DATA / "compose-spec.json").read_text())

    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(_compose())


def test_procfile_names_exactly_the_contract_processes():
    procfile = {name: command.strip() for name, command in _procfile().items()}

    assert procfile == CONTRACT_PROCESSES


def test_every_procfile_process_runs_the_same_command_in_compose():
    services = _compose()["services"]

    for name, command in _procfile().items():
        compose_command = services[name]["command"]
        as_list = compose_command if isinstance(compose_command, list) else shlex.split(compose_command)
        assert as_list == shlex.split(command), name


def test_app_services_wait_for_healthy_db_and_redis():
    services = _compose()["services"]

    for name in CONTRACT_PROCESSES:
        depends_on = services[name]["depends_on"]
        assert depends_on["db"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["db"] and "healthcheck" in services["redis"]


def _gunicorn_settings(monkeypatch, **environ) -> dict:
    import runpy

    for name in ("GUNICORN_THREADS", "GUNICORN_WORKER_CONNECTIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_a_gunicorn_worker_takes_two_connections_per_thread_unless_told(monkeypatch):
    assert _gunicorn_settings(monkeypatch)["worker_connections"] == 8
    assert _gunicorn_settings(monkeypatch, GUNICORN_THREADS="8")["worker_connections"] == 16
    configured = _gunicorn_settings(monkeypatch, GUNICORN_THREADS="8", GUNICORN_WORKER_CONNECTIONS="200")
    assert (configured["threads"], configured["worker_connections"]) == (8, 200)
