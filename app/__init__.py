"""edumap web application: settings, database, HTTP API and command line."""
