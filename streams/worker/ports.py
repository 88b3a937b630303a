"""The worker's web ports are checked before anything is created: Faust would only find a taken port after the
topics exist and the model has loaded, and then fail with a long traceback."""

from __future__ import annotations

import errno
import socket


class PortUnavailable(RuntimeError):
    """A port the worker binds cannot be bound; the message names the setting and what to do."""


def ensure_bindable(host: str, port: int, *, setting: str = "NEWSMON_WEB_PORT",
                    host_setting: str = "NEWSMON_WEB_HOST", hint: str = "") -> None:
    """Bind `host:port` once and let go (SO_REUSEADDR, as aiohttp binds), else PortUnavailable; `hint` ends
    the message (e.g. which worker of several wanted the port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortUnavailable(_why(exc, host, port, setting, host_setting, hint)) from None
        except OverflowError:
            raise PortUnavailable(f"{setting}={port} is not a port number (1-65535)") from None


def _why(exc: OSError, host: str, port: int, setting: str, host_setting: str, hint: str) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"{host}:{port} ({setting}) is already in use by another process: stop that process "
                f"or set {setting} to a free port{hint}")
    if exc.errno == errno.EACCES:
        return f"{setting}={port}: binding {host}:{port} is not permitted (ports below 1024 need root); set " \
               f"{setting} to a port above 1023"
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
        return f"{host_setting}={host} is not an address of this machine: set it to 127.0.0.1 or 0.0.0.0"
    return f"cannot bind {host}:{port} ({setting}={port}): {exc.strerror or exc}; set {setting} to a free port"
