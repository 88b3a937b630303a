"""The worker's port check (streams/worker/ports.py): a port held by another process, a port it may not bind and
an address that is not this machine's each give one sentence naming the setting to change."""

from __future__ import annotations

import socket

import pytest

from streams.worker.ports import PortUnavailable, ensure_bindable


def test_a_free_port_passes_and_stays_free():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ensure_bindable("127.0.0.1", port)
    with socket.create_server(("127.0.0.1", port)):  # the check let go of it
        pass


def test_a_port_another_process_listens_on_names_the_setting():
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        with pytest.raises(PortUnavailable) as refused:
            ensure_bindable("127.0.0.1", port, hint=" (worker 2 of 2)")
    message = str(refused.value)
    assert message == (f"127.0.0.1:{port} (NEWSMON_WEB_PORT) is already in use by another process: stop that "
                       "process or set NEWSMON_WEB_PORT to a free port (worker 2 of 2)")
    assert "\n" not in message


def test_an_address_of_another_machine_names_the_host_setting():
    with pytest.raises(PortUnavailable, match=r"NEWSMON_WEB_HOST=192\.0\.2\.1 is not an address of this machine"):
        ensure_bindable("192.0.2.1", 6066)


def test_a_port_out_of_range_says_so():
    with pytest.raises(PortUnavailable, match=r"NEWSMON_WEB_PORT=70000 is not a port number"):
        ensure_bindable("127.0.0.1", 70000)
