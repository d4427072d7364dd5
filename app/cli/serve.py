"""``edumap serve``: the web application under uvicorn."""

from __future__ import annotations

import os
import socket

import typer
import uvicorn
from uvicorn.supervisors import Multiprocess

from app.cli.census import fail
from app.tls import certificate_files
from kernel.config import get_settings


class _TcpConfig(uvicorn.Config):
    """uvicorn's config, its listening socket marked as TCP.

    uvicorn creates the socket it shares with its workers as ``socket(family)``, protocol 0, and
    asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol says TCP:
    with several workers every keep-alive response waited about 40 ms for a delayed ACK
    (44 ms for /health instead of 2.5 ms, measured with bench/http_load.py).
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            tcp.set_inheritable(True)
            return tcp
        return sock


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        0, help="Worker processes; 0 (the default) means one per CPU core of this machine."
    ),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
    https: bool = typer.Option(
        False,
        help="Serve HTTPS with EDUMAP_TLS_CERT and EDUMAP_TLS_KEY (when neither file exists, "
        "a self-signed pair is written there for a trial; default var/tls/).",
    ),
) -> None:
    """Serve the API and web pages."""
    # Requests are CPU-bound Python: a worker per core uses the machine, more only swap.
    workers = workers or len(os.sched_getaffinity(0)) or 1
    cert_file: str | None = None
    key_file: str | None = None
    if https:
        settings = get_settings()
        try:
            cert, key, made = certificate_files(
                settings.tls_cert or settings.var_dir / "tls" / "edumap-self-signed.crt",
                settings.tls_key or settings.var_dir / "tls" / "edumap-self-signed.key",
                host,
            )
        except FileNotFoundError as exc:
            fail(str(exc))
        if made:
            typer.echo(f"wrote a self-signed certificate: {cert} (phones must trust it)")
        cert_file, key_file = str(cert), str(key)
    # edumap reads X-Forwarded-For itself, from EDUMAP_TRUSTED_PROXIES only (client_ip).
    if reload:
        uvicorn.run(
            "app.main:app",
            host=host,
            port=port,
            proxy_headers=False,
            reload=True,
            ssl_certfile=cert_file,
            ssl_keyfile=key_file,
        )
        return
    config = _TcpConfig(
        "app.main:app",
        host=host,
        port=port,
        proxy_headers=False,
        workers=workers,
        ssl_certfile=cert_file,
        ssl_keyfile=key_file,
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[config.bind_socket()]).run()
