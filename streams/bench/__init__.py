"""`newsmon bench`, and nothing else, loads this package (psutil comes with the `bench` extra): the in-process
stages (inprocess), the whole-pipeline stages on real workers (pipeline), the worker launcher the tests share
(workers) and the storage write benchmark (storage, `python -m streams.bench.storage`)."""
