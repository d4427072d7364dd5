"""The kernel: settings, database engine and sessions, domain errors, tabular and archive
readers, and the vocabulary every other package shares. It imports no edumap package."""
