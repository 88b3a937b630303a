"""The Faust app, topics, agents, CLI, metrics, settings and wiring."""
