"""Helpers the tests share; no test module imports another test module, they all import from here.

workers: the worker launcher and `wait_for` (the bench's own, streams/bench/workers.py); kafka: produce, read
and measure topics, a TCP relay to cut; pipeline: articles written for the tests and what the database holds;
cluster: a test's own topics and the CLI run as a subprocess; services: dedicated brokers and databases to
stop; checks: what the fault tests assert; records: enriched records for the storage tests; fakes: the
agents' runtime without Faust or services; nlp: processor helpers; prometheus, deploy, metric_names: the
observability tooling.
"""
