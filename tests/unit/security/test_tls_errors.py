"""How a failed TLS handshake reads (streams/kafka/clients.py): kafka-python only logs it and then times out its
bootstrap, so the client builder turns what was logged into one line saying what failed and which setting to
fix. The real broker case is tests/integration/security/test_tls.py; here a fake client logs kafka-python's
messages, so each kind of failure is covered."""

from __future__ import annotations

import logging

import pytest
from kafka import errors

from streams.kafka.clients import KafkaTlsFailed, KafkaUnavailable, _build
from streams.settings import Settings

VERIFY = ("Connection failed: KafkaConnectionError: Handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate "
          "verify failed: {} (_ssl.c:1006)")


def fake_client(message: str | None) -> type:
    class Client:
        DEFAULT_CONFIG = {"bootstrap_timeout_ms": 1000, "client_id": "x"}

        def __init__(self, **config):
            if message:
                logging.getLogger("kafka.net.manager").error(message)
            raise errors.KafkaTimeoutError("Unable to bootstrap from [('127.0.0.1', 9095)]")

    return Client


def build(message: str | None, **settings) -> Exception:
    with pytest.raises(KafkaUnavailable) as raised:
        _build(fake_client(message), Settings(kafka_bootstrap="127.0.0.1:9095", kafka_security_protocol="SSL",
                                              **settings), {})
    return raised.value


def test_an_untrusted_certificate_names_the_ca_file_setting(tmp_path):
    ca = tmp_path / "other-ca.pem"
    ca.write_text("not read by the fake")
    exc = build(VERIFY.format("self-signed certificate in certificate chain"), kafka_ssl_cafile=str(ca))
    assert isinstance(exc, KafkaTlsFailed)
    assert str(exc) == (
        "TLS handshake with Kafka at 127.0.0.1:9095 failed (certificate verify failed: self-signed certificate in "
        f"certificate chain): the broker's certificate is not signed by a CA in NEWSMON_KAFKA_SSL_CAFILE='{ca}': "
        "set NEWSMON_KAFKA_SSL_CAFILE to the CA file of the cluster (for deploy/local/kafka.sh with KAFKA_TLS=1, "
        ".run/kafka/tls/ca.pem).")


def test_without_a_ca_file_it_says_the_system_store_was_used():
    exc = build(VERIFY.format("unable to get local issuer certificate"))
    assert "not signed by a CA in the system's CA store (NEWSMON_KAFKA_SSL_CAFILE is not set)" in str(exc)


def test_a_certificate_for_another_host_says_so():
    exc = build(VERIFY.format("IP address mismatch, certificate is not valid for '127.0.0.1'"))
    assert "does not name the host in NEWSMON_KAFKA_BOOTSTRAP" in str(exc)


def test_a_port_that_does_not_speak_tls_names_the_protocol_setting():
    exc = build("Connection failed: KafkaConnectionError: Handshake failed: EOF occurred in violation of protocol "
                "(_ssl.c:992)")
    assert str(exc).startswith("TLS handshake with Kafka at 127.0.0.1:9095 failed (EOF occurred in violation of "
                               "protocol): is 127.0.0.1:9095 a TLS listener?")
    assert "NEWSMON_KAFKA_SECURITY_PROTOCOL=SSL" in str(exc)


def test_no_handshake_logged_is_still_no_broker_answered():
    exc = build(None)
    assert not isinstance(exc, KafkaTlsFailed)
    assert str(exc).startswith("No Kafka broker answered at 127.0.0.1:9095 (SSL)")
