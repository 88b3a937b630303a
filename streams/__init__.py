"""Everything that runs newsmon, a room per job: worker/ (the Faust worker and its composition root), kafka/
(clients, topic admin, partition reading, backfill), cli/ (the `newsmon` command and its views) and bench/
(the benchmark, loaded only by `newsmon bench`); settings.py and inputs/ (the one input path) serve them all."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version


def version() -> str:
    """The installed newsmon version (`0+unknown` in a source tree that was never installed)."""
    try:
        return _installed_version("newsmon")
    except PackageNotFoundError:
        return "0+unknown"
