"""Server-rendered web pages (Jinja2), Thai first."""
