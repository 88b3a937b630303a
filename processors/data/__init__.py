"""Rules data: lexicons and gazetteers (JSON), and the learned model (model/)."""
