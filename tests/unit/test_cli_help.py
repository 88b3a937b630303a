"""Every sub-command (and sub-sub-command) answers --help, a user's first step, without a traceback."""

import pytest
import typer
from typer.testing import CliRunner

from streams.cli import main as cli

cli.register_all()
ROOT = typer.main.get_command(cli.app)


def _paths(command, prefix=()):
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield (*prefix, name)
        yield from _paths(sub, (*prefix, name))


PATHS = list(_paths(ROOT))


def test_every_command_module_registers_a_command():
    assert set(cli.COMMAND_MODULES) <= {p[0] for p in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_help(path):
    result = CliRunner().invoke(cli.app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
