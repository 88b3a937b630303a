"""Kafka plumbing with kafka-python, for the CLI and the worker's start: clients built from the settings
(clients), the declared topics on the broker (admin), reading partitions (reader) and copying a time window
(backfill)."""
