"""kafka-python clients built from Settings, with the security settings passed through.

The CLI tools (`newsmon alerts`, `newsmon replay`, topic creation) use these; the Faust worker uses
`faust_broker_kwargs`, which maps the same settings to Faust's `broker` / `broker_credentials`.

The SASL password is a SecretStr: it is unwrapped only inside the dict handed to the client constructor and
never appears in our error messages, `describe()` or logs.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from streams.settings import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")

# How long a CLI tool waits for the first broker before it says so (kafka-python's default is 30 s).
DEFAULT_BOOTSTRAP_TIMEOUT_MS = 10_000


class KafkaConfigError(ValueError):
    """The NEWSMON_KAFKA_* settings are inconsistent; the message says which setting to fix."""


class KafkaUnavailable(RuntimeError):
    """No broker answered at the configured bootstrap servers."""


class KafkaAuthenticationFailed(KafkaUnavailable):
    """A broker answered but refused our SASL credentials (a KafkaUnavailable, so callers that handle one
    handle both); the message names the user and mechanism, never the password."""


class KafkaTlsFailed(KafkaUnavailable):
    """The TLS handshake with the broker failed (its certificate is not trusted, names another host, or the
    port does not speak TLS); the message says which NEWSMON_KAFKA_* setting to fix."""


def bootstrap_servers(settings: Settings) -> list[str]:
    """`host:port` entries of NEWSMON_KAFKA_BOOTSTRAP (comma-separated)."""
    servers = [s.strip() for s in settings.kafka_bootstrap.split(",") if s.strip()]
    if not servers:
        raise KafkaConfigError("NEWSMON_KAFKA_BOOTSTRAP is empty: set it to host:port[,host:port...]")
    return servers


def _protocol(settings: Settings) -> str:
    protocol = settings.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise KafkaConfigError(f"NEWSMON_KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol!r} is not "
                               f"one of {', '.join(PROTOCOLS)}")
    return protocol


def _sasl(settings: Settings) -> tuple[str, str, str]:
    """(mechanism, username, password) checked for completeness; the password is unwrapped here only."""
    mechanism = (settings.kafka_sasl_mechanism or "PLAIN").strip().upper()
    if mechanism not in SASL_MECHANISMS:
        raise KafkaConfigError(f"NEWSMON_KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism!r} is not "
                               f"one of {', '.join(SASL_MECHANISMS)}")
    missing = [name for name, value in (("NEWSMON_KAFKA_SASL_USERNAME", settings.kafka_sasl_username),
                                        ("NEWSMON_KAFKA_SASL_PASSWORD", settings.kafka_sasl_password))
               if not value]
    if missing:
        raise KafkaConfigError(f"NEWSMON_KAFKA_SECURITY_PROTOCOL={_protocol(settings)} needs "
                               f"{' and '.join(missing)}")
    assert settings.kafka_sasl_password is not None and settings.kafka_sasl_username is not None
    return mechanism, settings.kafka_sasl_username, settings.kafka_sasl_password.get_secret_value()


def protocol_uses_sasl(settings: Settings) -> bool:
    return _protocol(settings).startswith("SASL_")


def _ssl_files(settings: Settings) -> dict[str, str]:
    """The SSL file settings that are set, each checked to exist (a typo would fail deep in the TLS code)."""
    files = {"ssl_cafile": settings.kafka_ssl_cafile, "ssl_certfile": settings.kafka_ssl_certfile,
             "ssl_keyfile": settings.kafka_ssl_keyfile}
    files = {k: v for k, v in files.items() if v}
    for key, path in files.items():
        if not os.path.isfile(path):
            raise KafkaConfigError(f"NEWSMON_KAFKA_{key.upper()}={path!r}: no such file")
    if "ssl_keyfile" in files and "ssl_certfile" not in files:
        raise KafkaConfigError("NEWSMON_KAFKA_SSL_KEYFILE is set without NEWSMON_KAFKA_SSL_CERTFILE")
    return files


def security_config(settings: Settings) -> dict[str, Any]:
    """kafka-python keyword arguments for the security settings (contains the SASL password in clear)."""
    protocol = _protocol(settings)
    config: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        mechanism, username, password = _sasl(settings)
        config.update(sasl_mechanism=mechanism, sasl_plain_username=username, sasl_plain_password=password)
    if protocol in ("SSL", "SASL_SSL"):
        config.update(_ssl_files(settings))
    return config


def describe(settings: Settings) -> str:
    """A one-line, secret-free description of where and how we connect, for messages."""
    text = f"{','.join(bootstrap_servers(settings))} ({settings.kafka_security_protocol.upper()}"
    if settings.kafka_security_protocol.upper().startswith("SASL_"):
        text += f", SASL {settings.kafka_sasl_mechanism or 'PLAIN'} as {settings.kafka_sasl_username!r}"
    return text + ")"


def _unavailable(settings: Settings, timeout_ms: int) -> KafkaUnavailable:
    return KafkaUnavailable(
        f"No Kafka broker answered at {describe(settings)} within {timeout_ms / 1000:g} s. "
        "If it is the local broker, start it with `make up`; otherwise check NEWSMON_KAFKA_BOOTSTRAP "
        "and the NEWSMON_KAFKA_SECURITY_* settings.")


def _auth_failed(settings: Settings) -> KafkaAuthenticationFailed:
    mechanism = (settings.kafka_sasl_mechanism or "PLAIN").upper()
    return KafkaAuthenticationFailed(
        f"Kafka at {','.join(bootstrap_servers(settings))} refused the credentials: SASL {mechanism} "
        f"authentication failed for user {settings.kafka_sasl_username!r}. Check NEWSMON_KAFKA_SASL_USERNAME "
        f"and NEWSMON_KAFKA_SASL_PASSWORD, and that the broker has this user for {mechanism} "
        "(NEWSMON_KAFKA_SASL_MECHANISM).")


_TLS_FAILURE = re.compile(r"Handshake failed: (?:\[SSL: (?P<code>[A-Z_]+)\] )?(?P<reason>[^(\n]*)")


def _tls_failed(settings: Settings, code: str, reason: str) -> KafkaTlsFailed:
    servers = ",".join(bootstrap_servers(settings))
    reason = reason.strip().rstrip(".") or code
    if code == "CERTIFICATE_VERIFY_FAILED" and "mismatch" in reason:
        advice = ("the broker's certificate does not name the host in NEWSMON_KAFKA_BOOTSTRAP: connect with "
                  "a name or address the certificate lists")
    elif code == "CERTIFICATE_VERIFY_FAILED":
        where = (f"NEWSMON_KAFKA_SSL_CAFILE={settings.kafka_ssl_cafile!r}" if settings.kafka_ssl_cafile
                 else "the system's CA store (NEWSMON_KAFKA_SSL_CAFILE is not set)")
        advice = (f"the broker's certificate is not signed by a CA in {where}: set NEWSMON_KAFKA_SSL_CAFILE to "
                  "the CA file of the cluster (for deploy/local/kafka.sh with KAFKA_TLS=1, .run/kafka/tls/ca.pem)")
    else:
        advice = (f"is {servers} a TLS listener? Check NEWSMON_KAFKA_BOOTSTRAP and "
                  f"NEWSMON_KAFKA_SECURITY_PROTOCOL={_protocol(settings)}")
    return KafkaTlsFailed(f"TLS handshake with Kafka at {servers} failed ({reason}): {advice}.")


class _AuthFailureSeen(logging.Handler):
    """Notices kafka-python logging a refused SASL handshake or a failed TLS handshake: its bootstrap only
    times out, so without this a wrong password or CA would read as 'no broker answered'.

    kafka-python 3 logs the broker's SaslAuthenticationFailedError when it reads the error response, but the
    broker closes the socket right after it, and for SCRAM the close often wins: then all that is logged is a
    connection lost after the broker had answered ApiVersions (`broker_version=(4, 3)`), i.e. mid-handshake.
    """

    _ANSWERED_THEN_LOST = re.compile(r"broker_version=\(\d.*Connection lost", re.DOTALL)

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False
        self.tls: tuple[str, str] | None = None  # (OpenSSL's code, reason) of the last failed TLS handshake

    def emit(self, record: logging.LogRecord) -> None:
        from kafka import errors

        args = record.args if isinstance(record.args, tuple) else ()
        message = record.getMessage()
        tls = _TLS_FAILURE.search(message)
        if tls:
            self.tls = (tls.group("code") or "", tls.group("reason"))
            return
        if record.levelno < logging.ERROR:
            return
        if any(isinstance(a, errors.SaslAuthenticationFailedError) for a in args) or \
                "authentication failed" in message.lower() or self._ANSWERED_THEN_LOST.search(message):
            self.seen = True


@contextmanager
def _watch_auth() -> Iterator[_AuthFailureSeen]:
    handler = _AuthFailureSeen()
    logger = logging.getLogger("kafka")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _build(cls: type, settings: Settings, kw: dict[str, Any]) -> Any:
    """Construct a kafka-python client; translate a failed bootstrap into KafkaUnavailable, or into
    KafkaAuthenticationFailed when the broker refused the SASL credentials."""
    from kafka import errors

    defaults = {"client_id": f"{settings.app_id}-cli", "bootstrap_timeout_ms": DEFAULT_BOOTSTRAP_TIMEOUT_MS}
    # Options older kafka-python releases do not know are dropped rather than rejected.
    defaults = {k: v for k, v in defaults.items() if k in cls.DEFAULT_CONFIG}  # type: ignore[attr-defined]
    config = {"bootstrap_servers": bootstrap_servers(settings), **defaults, **security_config(settings), **kw}
    no_brokers = getattr(errors, "NoBrokersAvailable", None)  # kafka-python 2.x
    try:
        with _watch_auth() as auth:
            return cls(**config)
    except errors.SaslAuthenticationFailedError:
        raise _auth_failed(settings) from None
    except errors.KafkaError as exc:
        # kafka-python 3.x raises KafkaTimeoutError("Unable to bootstrap from ...").
        failed_bootstrap = (no_brokers is not None and isinstance(exc, no_brokers)) or (
            isinstance(exc, errors.KafkaTimeoutError) and "bootstrap" in str(exc).lower())
        if not failed_bootstrap:
            raise
        if auth.tls is not None:
            raise _tls_failed(settings, *auth.tls) from None
        if auth.seen and protocol_uses_sasl(settings):
            raise _auth_failed(settings) from None
        # `from None`: kafka-python's own text adds nothing, and a chained traceback helps no user here.
        timeout_ms = config.get("bootstrap_timeout_ms", 30_000)
        raise _unavailable(settings, timeout_ms) from None


def producer(settings: Settings, **kw: Any) -> Any:
    """A KafkaProducer (acks=all by default); `kw` overrides any kafka-python option."""
    from kafka import KafkaProducer

    return _build(KafkaProducer, settings, {"acks": "all", **kw})


def consumer(settings: Settings, **kw: Any) -> Any:
    """A KafkaConsumer with no subscription; it never auto-creates topics."""
    from kafka import KafkaConsumer

    options = {"allow_auto_create_topics": False, "enable_auto_commit": False, **kw}
    return _build(KafkaConsumer, settings, options)


def admin(settings: Settings) -> Any:
    """A KafkaAdminClient."""
    from kafka import KafkaAdminClient

    return _build(KafkaAdminClient, settings, {})


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    files = _ssl_files(settings)
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=files.get("ssl_cafile"))
    if "ssl_certfile" in files:
        context.load_cert_chain(files["ssl_certfile"], files.get("ssl_keyfile"))
    return context


def faust_broker_kwargs(settings: Settings) -> dict[str, Any]:
    """`faust.App(..., **faust_broker_kwargs(settings))`: broker URLs and credentials from the same settings.

    faust.SSLCredentials builds no context without an explicit `purpose` (a faust bug), so the SSL context is
    built here and passed in. SASLCredentials' repr shows the username only.
    """
    import faust

    protocol = _protocol(settings)
    kwargs: dict[str, Any] = {"broker": [f"kafka://{server}" for server in bootstrap_servers(settings)],
                              "broker_credentials": None}
    context = _ssl_context(settings) if protocol in ("SSL", "SASL_SSL") else None
    if protocol == "SSL":
        kwargs["broker_credentials"] = faust.SSLCredentials(context)
    elif protocol.startswith("SASL_"):
        mechanism, username, password = _sasl(settings)
        kwargs["broker_credentials"] = faust.SASLCredentials(username=username, password=password,
                                                             mechanism=mechanism, ssl_context=context)
    return kwargs
