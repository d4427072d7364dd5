"""What tests share: the world they build (accounts), example payloads and files, the calls the
access matrix makes, and readers of what the app produces (PDF text, the command line, a browser).
Fixtures stay in conftest.py files; everything they and the tests build from lives here."""
