"""Sample articles (articles.jsonl), written for newsmon: shipped as package data for demos and tests."""
