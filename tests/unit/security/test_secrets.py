"""Secrets (Kafka SASL password, database URL password, ingest token) never appear in repr, str, settings
dumps or our error messages; the web endpoints default to loopback."""

from __future__ import annotations

import os

import pytest

from streams.kafka import clients as kafka_clients
from streams.settings import Settings

KAFKA_PW = "kafka-Pw-9f3e1"
DB_PW = "db-Pw-77c2a"
TOKEN = "ingest-Tok-51d0"


@pytest.fixture
def settings(monkeypatch) -> Settings:
    for name in [n for n in os.environ if n.startswith("NEWSMON_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSMON_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("NEWSMON_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("NEWSMON_KAFKA_SASL_USERNAME", "svc-newsmon")
    monkeypatch.setenv("NEWSMON_KAFKA_SASL_PASSWORD", KAFKA_PW)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", f"postgresql+psycopg://newsmon:{DB_PW}@db.internal:5432/news")
    monkeypatch.setenv("NEWSMON_INGEST_TOKEN", TOKEN)
    return Settings()


def _leaks(text: str) -> list[str]:
    return [s for s in (KAFKA_PW, DB_PW, TOKEN) if s in text]


def test_secrets_are_read_and_usable(settings):
    assert settings.kafka_sasl_password.get_secret_value() == KAFKA_PW
    assert DB_PW in settings.database_url.get_secret_value()
    assert kafka_clients.security_config(settings)["sasl_plain_password"] == KAFKA_PW


def test_settings_repr_str_and_dump_hide_secrets(settings):
    for text in (repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()):
        assert _leaks(text) == []


def test_connection_descriptions_and_errors_hide_the_password(settings):
    assert _leaks(kafka_clients.describe(settings)) == []
    assert _leaks(str(kafka_clients._unavailable(settings, 10_000))) == []
    error = kafka_clients._auth_failed(settings)
    assert "svc-newsmon" in str(error) and "SCRAM-SHA-256" in str(error) and _leaks(str(error)) == []


def test_faust_credentials_repr_hides_the_password(settings):
    credentials = kafka_clients.faust_broker_kwargs(settings)["broker_credentials"]
    assert credentials.password == KAFKA_PW  # handed to aiokafka as is
    assert _leaks(repr(credentials)) == [] and _leaks(str(credentials)) == []


def test_incomplete_sasl_settings_name_the_variable_not_a_value(settings, monkeypatch):
    monkeypatch.delenv("NEWSMON_KAFKA_SASL_USERNAME")
    with pytest.raises(kafka_clients.KafkaConfigError, match="NEWSMON_KAFKA_SASL_USERNAME") as caught:
        kafka_clients.security_config(Settings())
    assert _leaks(str(caught.value)) == []


def test_web_endpoints_bind_to_loopback_by_default(monkeypatch):
    monkeypatch.delenv("NEWSMON_WEB_HOST", raising=False)
    from streams.worker.app import faust_options

    options = faust_options(Settings())
    assert options["web_bind"] == "127.0.0.1" and options["web_host"] == "127.0.0.1"
