"""The Faust worker: the composition root (bootstrap), the app, the agents and what they do with a batch
(batch, enrich, persist), validation at the edge (decode), where spaCy runs (nlp_executor), the web views and
the metrics."""
