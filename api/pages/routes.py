"""Server-rendered page shells and their static assets.

The pages hold no data of their own: their scripts call the SPEC 8 API from
the browser with the API key the user pastes (kept in sessionStorage), so a
page shows exactly what that key may read. None of these routes is part of
the API's OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
STATIC = HERE / "static"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
ASSETS = {path.name: path for path in STATIC.iterdir() if path.suffix in MEDIA_TYPES}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, **context: object) -> Response:
    response = templates.TemplateResponse(request, template, context)
    response.headers.update(SECURITY_HEADERS)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/journey", status_code=307)


@router.get("/journey")
def journey_page(
    request: Request,
    customer: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    """A customer's timeline; `customer` prefills the search (the script reads `as_of`)."""
    return _page(request, "journey.html", page="journey", customer=customer)


@router.get("/dashboard")
def dashboard_page(request: Request) -> Response:
    """FCR, repeat contacts, SLA breaches, cases at risk, satisfaction, projection lag."""
    return _page(request, "dashboard.html", page="dashboard")


@router.get("/assets/{name}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(status_code=404, detail=f"no asset named {name!r}")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
