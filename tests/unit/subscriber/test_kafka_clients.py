"""Kafka client settings: the security settings reach kafka-python and faust, and the password never
appears in anything printed."""

from __future__ import annotations

import os
import shutil
import subprocess

import faust
import pytest
from pydantic import SecretStr

from streams.kafka import clients as kafka_clients
from streams.kafka.clients import KafkaConfigError, KafkaUnavailable, faust_broker_kwargs, security_config
from streams.settings import Settings

PASSWORD = "pa55-Wh1sper-0471"


def _settings(**kw) -> Settings:
    return Settings(_env_file=None, **kw)


def _sasl(**kw) -> Settings:
    base = dict(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-512",
                kafka_sasl_username="newsmon-reader", kafka_sasl_password=SecretStr(PASSWORD))
    return _settings(**{**base, **kw})


@pytest.fixture(autouse=True)
def _no_kafka_env(monkeypatch):
    """The machine's own NEWSMON_KAFKA_* variables must not leak into these expectations."""
    for name in [n for n in os.environ if n.startswith("NEWSMON_KAFKA_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def cert_pair(tmp_path_factory):
    """A self-signed certificate and key, so the SSL paths load real files."""
    assert shutil.which("openssl"), "openssl is needed to make a test certificate"
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=newsmon-test", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return str(d / "cert.pem"), str(d / "key.pem")


def test_plaintext_is_the_default_and_adds_nothing_else():
    assert security_config(_settings()) == {"security_protocol": "PLAINTEXT"}


def test_sasl_settings_reach_kafka_python():
    assert security_config(_sasl(kafka_security_protocol="sasl_plaintext")) == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "newsmon-reader", "sasl_plain_password": PASSWORD}


def test_sasl_mechanism_defaults_to_plain():
    assert security_config(_sasl(kafka_sasl_mechanism=None))["sasl_mechanism"] == "PLAIN"


def test_sasl_ssl_carries_both_sasl_and_ssl_files(cert_pair):
    cert, key = cert_pair
    config = security_config(_sasl(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-256",
                                   kafka_ssl_cafile=cert, kafka_ssl_certfile=cert, kafka_ssl_keyfile=key))
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-256"
    assert (config["ssl_cafile"], config["ssl_certfile"], config["ssl_keyfile"]) == (cert, cert, key)


def test_ssl_files_are_ignored_for_plaintext(cert_pair):
    assert security_config(_settings(kafka_ssl_cafile=cert_pair[0])) == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize(("settings", "names"), [
    (dict(kafka_security_protocol="TLS"), "NEWSMON_KAFKA_SECURITY_PROTOCOL"),
    (dict(kafka_sasl_mechanism="GSSAPI"), "NEWSMON_KAFKA_SASL_MECHANISM"),
    (dict(kafka_sasl_password=None), "NEWSMON_KAFKA_SASL_PASSWORD"),
    (dict(kafka_sasl_username=None), "NEWSMON_KAFKA_SASL_USERNAME"),
    (dict(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile="/nonexistent/ca.pem"),
     "NEWSMON_KAFKA_SSL_CAFILE"),
])
def test_inconsistent_settings_name_the_setting_to_fix(settings, names):
    with pytest.raises(KafkaConfigError, match=names) as info:
        security_config(_sasl(**settings))
    assert PASSWORD not in str(info.value)


def test_describe_never_shows_the_password():
    text = kafka_clients.describe(_sasl(kafka_bootstrap="k1:9092, k2:9092"))
    assert text == "k1:9092,k2:9092 (SASL_PLAINTEXT, SASL SCRAM-SHA-512 as 'newsmon-reader')"
    assert PASSWORD not in repr(_sasl()) and PASSWORD not in str(_sasl())


def test_unreachable_broker_says_what_was_tried_and_what_to_do():
    settings = _sasl(kafka_bootstrap="127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(KafkaUnavailable) as info:
        kafka_clients.producer(settings, bootstrap_timeout_ms=300)
    message = str(info.value)
    assert "127.0.0.1:9" in message and "SASL_PLAINTEXT" in message and "`make up`" in message
    assert PASSWORD not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_faust_plaintext_has_no_credentials():
    assert faust_broker_kwargs(_settings(kafka_bootstrap="a:1,b:2")) == {
        "broker": ["kafka://a:1", "kafka://b:2"], "broker_credentials": None}


def test_faust_sasl_plaintext_credentials():
    creds = faust_broker_kwargs(_sasl())["broker_credentials"]
    assert isinstance(creds, faust.SASLCredentials)
    assert (creds.protocol.value, creds.mechanism.value) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert (creds.username, creds.password, creds.ssl_context) == ("newsmon-reader", PASSWORD, None)
    assert PASSWORD not in repr(creds)


def test_faust_sasl_ssl_gets_an_ssl_context(cert_pair):
    cert, key = cert_pair
    creds = faust_broker_kwargs(_sasl(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=cert,
                                      kafka_ssl_certfile=cert, kafka_ssl_keyfile=key))["broker_credentials"]
    assert creds.protocol.value == "SASL_SSL"
    assert creds.ssl_context is not None and creds.ssl_context.check_hostname


def test_faust_ssl_credentials(cert_pair):
    creds = faust_broker_kwargs(_settings(kafka_security_protocol="SSL", kafka_ssl_cafile=cert_pair[0]))
    assert isinstance(creds["broker_credentials"], faust.SSLCredentials)
    assert creds["broker_credentials"].protocol.value == "SSL"
