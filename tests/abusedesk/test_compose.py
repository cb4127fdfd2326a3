"""No compose plugin or engine here: parse docker-compose.yml and check what it promises."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


WORKERS = ("worker-intake", "worker-evidence", "worker-mail", "worker-execution")


def test_it_has_the_services_each_with_a_health_check():
    services = load()["services"]
    assert set(services) == {"web", *WORKERS, "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_app_services_share_one_build_and_the_real_backends():
    services = load()["services"]
    for name in ("web", *WORKERS, "beat"):
        service = services[name]
        assert service["build"] == "."
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["DEBUG"] == "0"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn" in services["web"]["command"]
    for name in WORKERS:
        assert "worker" in services[name]["command"]
    assert "beat" in services["beat"]["command"]
    assert (ROOT / "Dockerfile").exists()


def test_the_database_lives_on_a_volume():
    data = load()
    assert data["services"]["postgres"]["image"].startswith("postgres:")
    assert data["services"]["redis"]["image"].startswith("redis:")
    assert "pgdata:/var/lib/postgresql/data" in data["services"]["postgres"]["volumes"]
    assert "pgdata" in data["volumes"]


def test_every_variable_in_env_example_is_documented_in_readme():
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing
