"""Feeds that run by themselves (issue 16): a source list as data (feeds.yaml), connectors that fetch what is new
since a cursor, and a poller that sends each new item once through the one input path (streams.inputs) onto the
articles topic. docs/feeds.md explains the seam and how to add a further kind of feed."""
