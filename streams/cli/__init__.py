"""The `newsmon` command line: streams/cli/main.py builds it, one module per sub-command beside it."""
