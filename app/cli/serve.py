"""``edumap serve``: the web application under uvicorn."""

from __future__ import annotations

import os

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        0, help="Worker processes; 0 (the default) means one per CPU core of this machine."
    ),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
) -> None:
    """Serve the API and web pages."""
    # Requests are CPU-bound Python: a worker per core uses the machine, more only swap.
    workers = workers or len(os.sched_getaffinity(0)) or 1
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        # edumap reads X-Forwarded-For itself, from EDUMAP_TRUSTED_PROXIES only (client_ip).
        proxy_headers=False,
    )
