"""Dependencies of the routes: the app's services and the caller's API key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Problem
from api.keys import ApiKey
from api.services import Services

bearer = HTTPBearer(auto_error=False, description="an API key made by `journey keys create`")
UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="journey"'}


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def authenticated(services: ServicesDep, credentials: Credentials) -> ApiKey:
    """The caller's key. Async (no thread hop): keys are cached, so the table is read
    at most once per key every few seconds."""
    if credentials is None:
        raise Problem(
            401, "an API key is required: Authorization: Bearer <key>", headers=UNAUTHORIZED
        )
    key = services.api_keys.authenticate(credentials.credentials)
    if key is None:
        raise Problem(401, "the API key is unknown or revoked", headers=UNAUTHORIZED)
    return key


def require(scope: str) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting only keys that carry `scope`."""

    async def check(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        if scope not in key.scopes:
            raise Problem(403, f"the API key {key.name!r} lacks the scope {scope!r}")
        return key

    return check


AnyKey = Annotated[ApiKey, Depends(authenticated)]
Writer = Annotated[ApiKey, Depends(require("events:write"))]
Reader = Annotated[ApiKey, Depends(require("read"))]
Auditor = Annotated[ApiKey, Depends(require("audit"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
