"""Dependencies of the routes: the app's services and the caller's API key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Problem
from api.keys import ApiKey
from api.services import Services

bearer = HTTPBearer(auto_error=False, description="an API key made by `journey keys create`")
UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="journey"'}


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def authenticated(services: ServicesDep, credentials: Credentials) -> ApiKey:
    """The caller's key. Async (no thread hop): keys are cached, so the table is read
    at most once per key every few seconds."""
    return _known_key(services, credentials.credentials if credentials else None)


def require(scope: str) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting only keys that carry `scope`."""

    async def check(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        return _with_scope(key, scope)

    return check


def authorize(request: Request, scope: str) -> ApiKey:
    """What `Depends(require(scope))` admits, checked in the route itself: the hot
    `POST /v1/events` skips FastAPI's dependency solving (a third of its time).
    The header is read as `HTTPBearer` reads it; the route declares the security
    requirement in its OpenAPI operation (`BEARER_SECURITY`)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    bearer_token = token if scheme.lower() == "bearer" and token else None
    return _with_scope(_known_key(services_of(request), bearer_token), scope)


BEARER_SECURITY: dict[str, Any] = {"security": [{bearer.scheme_name: []}]}


def _known_key(services: Services, token: str | None) -> ApiKey:
    if token is None:
        raise Problem(
            401, "an API key is required: Authorization: Bearer <key>", headers=UNAUTHORIZED
        )
    key = services.api_keys.authenticate(token)
    if key is None:
        raise Problem(401, "the API key is unknown or revoked", headers=UNAUTHORIZED)
    return key


def _with_scope(key: ApiKey, scope: str) -> ApiKey:
    if scope not in key.scopes:
        raise Problem(403, f"the API key {key.name!r} lacks the scope {scope!r}")
    return key


AnyKey = Annotated[ApiKey, Depends(authenticated)]
Reader = Annotated[ApiKey, Depends(require("read"))]
Auditor = Annotated[ApiKey, Depends(require("audit"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
