"""`python -m streams.cli ...` runs the `newsmon` command (what `newsmon worker --workers N` starts per child)."""

from streams.cli.main import main

main()
