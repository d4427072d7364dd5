"""FastAPI dependencies: who is calling (token, API key or web session) and may they."""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.api.deps import SessionDep
from app.auth import security, service
from kernel.config import get_settings
from kernel.errors import AuthenticationError, PermissionDeniedError
from kernel.principal import ANONYMOUS, Principal, Role

SESSION_COOKIE = "edumap_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@functools.cache
def _trusted_networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def client_ip(request: Request) -> str:
    """The caller's address. X-Forwarded-For counts only when the peer is a configured proxy
    (``EDUMAP_TRUSTED_PROXIES``): then the right-most address that is not itself a trusted
    proxy, the one the nearest untrusted hop sent."""
    peer = _address(request.client.host if request.client else "")
    if peer is None:
        return "0.0.0.0"  # not an IP (in-process test clients); all such share one bucket
    trusted = _trusted_networks(tuple(get_settings().trusted_proxies))
    if not any(peer in network for network in trusted):
        return str(peer)
    hops = [hop for part in request.headers.getlist("x-forwarded-for") for hop in part.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        if not any(address in network for network in trusted):
            return str(address)
    return str(peer)


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Cookie-authenticated writes must carry the session's CSRF token (header or form)."""
    if request.method in SAFE_METHODS or principal.session_token_id is None:
        return
    candidate = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if candidate is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FORM_FIELD)
        candidate = value if isinstance(value, str) else None
    if not security.csrf_matches(get_settings(), principal.session_token_id, candidate):
        raise PermissionDeniedError("Missing or wrong CSRF token; reload the page and try again.")


def _basic_credentials(credential: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthenticationError("Basic credentials are not base64 of user:key.") from exc
    username, separator, key = decoded.partition(":")
    if not separator or not key:
        raise AuthenticationError("Basic credentials are the user name and an API key.")
    return username, key


def authenticate_request(request: Request, session: SessionDep) -> Principal:
    """The caller. Bad credentials are a 401, never a silent fall-back to anonymous.

    A plain function, so FastAPI runs its database work in the thread pool: blocking the event
    loop here would stall every other request (and the release of their connections).
    """
    settings = get_settings()
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    api_key = request.headers.get("x-api-key")
    if scheme.lower() == "bearer" and credential.startswith(security.API_KEY_PREFIX):
        api_key, credential = credential, ""
    if scheme.lower() == "basic" and credential:
        # What GIS clients send (QGIS's authentication manager): the user name, and an API key
        # as the password; a key of another account is refused.
        username, key = _basic_credentials(credential)
        user = service.user_for_api_key(session, settings, key)
        if user.username != username:
            raise AuthenticationError("The API key is not this user's.")
        session.commit()  # keeps last_used_at
        return service.principal_for(user, "api_key")
    if api_key:
        user = service.user_for_api_key(session, settings, api_key)
        session.commit()  # keeps last_used_at
        return service.principal_for(user, "api_key")
    if scheme.lower() == "bearer" and credential:
        try:
            claims = security.decode_token(settings, credential, "access")
        except security.InvalidTokenError as exc:
            raise AuthenticationError(f"Bearer token rejected: {exc}.") from exc
        return service.principal_for_token(session, claims.user_id, claims.version, "bearer")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            claims = security.decode_token(settings, cookie, "session")
            return service.principal_for_token(
                session, claims.user_id, claims.version, "session", claims.token_id
            )
        except (security.InvalidTokenError, AuthenticationError):
            return ANONYMOUS  # a stale cookie just means "logged out"
    return ANONYMOUS


async def get_principal(
    request: Request, principal: Annotated[Principal, Depends(authenticate_request)]
) -> Principal:
    """The caller, with the CSRF token of a cookie session checked on writes."""
    await _check_csrf(request, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only these roles: 401 when anonymous, 403 otherwise."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.is_anonymous:
            raise AuthenticationError("Log in first (this needs an account).")
        if not principal.has_role(*roles):
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDeniedError(
                f"Your role ({principal.role}) may not do this; it needs: {allowed}."
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
SignedInDep = Annotated[Principal, Depends(require_roles(*Role))]


def csrf_for(principal: Principal) -> str:
    """The CSRF token a page's forms send back (none for a caller without a web session)."""
    if principal.session_token_id is None:
        return ""
    return security.csrf_token(get_settings(), principal.session_token_id)
