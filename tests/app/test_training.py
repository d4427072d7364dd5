"""The training sandbox (issue 21, part 4): ``edumap demo --training`` makes a database of its
own with the synthetic demo and a practice account for each role; what trainees do there
never reaches the office's database, and ``edumap training reset`` puts it back as built."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.cli.training import PRACTICE, password_file, reset, training_names
from kernel import localdb
from kernel.config import Settings, get_settings
from tests.helpers.run_cli import edumap


def _settings_for(database_url: str) -> Settings:
    return get_settings().model_copy(update={"database_url": database_url})


@pytest.fixture(scope="module")
def training(database_url: str) -> Iterator[tuple[Settings, str]]:
    settings = _settings_for(database_url)
    made = edumap(database_url, "demo", "--training")
    assert made.returncode == 0, made.stderr
    assert "training-planner" in made.stdout and "edumap training reset" in made.stdout
    # The local cluster's password is not printed: the command names the database.
    assert "EDUMAP_PG_DATABASE" in made.stdout or "***" in made.stdout
    name, template = training_names(settings)
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    yield settings, url
    maintenance = (
        make_url(database_url).set(database="postgres").render_as_string(hide_password=False)
    )
    for database in (name, template):
        localdb.drop_database(maintenance, database)
    password_file(settings).unlink(missing_ok=True)


def test_the_training_database_has_the_demo_and_an_account_per_role(
    training: tuple[Settings, str], database_url: str
) -> None:
    settings, url = training
    engine = create_engine(url)
    office = create_engine(database_url)
    try:
        with engine.connect() as conn, office.connect() as real:
            roles = dict(
                conn.execute(
                    text("SELECT username, role FROM user_account WHERE username LIKE 'training-%'")
                ).all()
            )
            assert roles == {p.username: p.role.value for p in PRACTICE}
            schools = "SELECT count(*) FROM school WHERE code_synthetic"
            assert (
                conn.execute(text(schools)).scalar_one() == real.execute(text(schools)).scalar_one()
            )
            # The office's own database has none of it.
            assert not real.execute(
                text("SELECT count(*) FROM user_account WHERE username LIKE 'training-%'")
            ).scalar_one()
    finally:
        engine.dispose()
        office.dispose()
    # A practice account signs in to an app on the training database.
    from app.main import create_app

    password = password_file(settings).read_text().strip()
    with TestClient(create_app(url)) as client:
        signed = client.post(
            "/api/v1/auth/token",
            data={"username": "training-planner", "password": password},
        )
        assert signed.status_code == 200, signed.text


def test_reset_puts_back_what_was_built(training: tuple[Settings, str]) -> None:
    settings, url = training
    engine = create_engine(url)
    try:
        with engine.begin() as conn:  # a trainee renames a school
            conn.execute(
                text(
                    "UPDATE school SET name_th = 'ฝึกเปลี่ยนชื่อ' "
                    "WHERE code = (SELECT min(code) FROM school)"
                )
            )
    finally:
        engine.dispose()
    reset(settings)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            renamed = conn.execute(
                text("SELECT count(*) FROM school WHERE name_th = 'ฝึกเปลี่ยนชื่อ'")
            ).scalar_one()
        assert renamed == 0
    finally:
        engine.dispose()


def test_a_training_server_says_so_on_every_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "ระบบฝึกหัด" not in client.get("/").text
    monkeypatch.setattr(get_settings(), "training", True)
    assert "ระบบฝึกหัด" in client.get("/").text
    assert "ระบบฝึกหัด" in client.get("/login").text
