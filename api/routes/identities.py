"""Finding streams by identity (SPEC 10.4-10.5): a lookup when a call comes in,
the duplicate candidates, the shared identities; now, or with `as_of`/`at`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.errors import field_problem
from api.keys import ApiKey
from api.params import Moment, MomentQuery, Paging, PagingQuery
from api.reading import read_model
from api.render import decode_cursor, encode_cursor, json_response
from api.schemas import DuplicatesOut, LookupIn, LookupOut, SharedOut
from api.services import Services
from journey.identities.normalise import IdentityError, identity_key
from projections.identity_reads import Page, Reading

router = APIRouter(tags=["identities"])


def after_of(cursor: str | None, types: tuple[type, ...]) -> list[Any] | None:
    """A cursor's values, checked against the types this route puts in its cursors."""
    if cursor is None:
        return None
    try:
        values = decode_cursor(cursor)
    except ValueError as error:
        raise field_problem("cursor", str(error)) from None
    if len(values) != len(types) or not all(
        isinstance(v, t) for v, t in zip(values, types, strict=True)
    ):
        raise field_problem("cursor", "not a cursor this route returned")
    return values


def cursor_of(after: list[Any] | None) -> str | None:
    return None if after is None else encode_cursor(after)


@router.post("/v1/identities/lookup", response_model=LookupOut)
async def lookup(
    body: LookupIn,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
    paging: PagingQuery,
) -> Response:
    """The streams that hold an identity, by `customer_id`, with their persons;
    found by its normalised form (`+49 30 1234-5678` finds `+493012345678`)."""
    store = services.store
    try:
        normalised = store.ingestor.normaliser.normalise(body.kind, body.value)
    except IdentityError as error:
        raise field_problem("value", f"does not normalise as {body.kind}: {error}") from None
    identity = (body.kind, identity_key(store.identity_secret, body.kind, normalised))
    start = after_of(paging.cursor, (str,))
    await read_model(services, moment.after)  # the identity reads use the projections' tables
    document, last = await run_in_threadpool(
        services.identities.lookup, identity, moment, start[0] if start else "", paging.limit
    )
    return json_response(document | {"next_cursor": cursor_of(None if last is None else [last])})


@router.get("/v1/identities/duplicates", response_model=DuplicatesOut)
async def duplicates(
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
    paging: PagingQuery,
) -> Response:
    """Every identity held by streams of two or more persons, neither ignored nor
    shared: duplicate candidates, for a person to confirm with a merge."""
    return await _listing(
        "groups", services.identities.duplicates, (str, str, str), services, key, moment, paging
    )


@router.get("/v1/identities/shared", response_model=SharedOut)
async def shared(
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
    paging: PagingQuery,
) -> Response:
    """Identities held by more persons than the configured `shared_limit` (a
    switchboard), most persons first; ignored ones are not listed."""
    return await _listing(
        "identities", services.identities.shared, (int, str, str), services, key, moment, paging
    )


async def _listing(
    name: str,
    read: Callable[[Reading, list[Any] | None, int, bool], Page],
    cursor_types: tuple[type, ...],
    services: Services,
    key: ApiKey,
    moment: Moment,
    paging: Paging,
) -> Response:
    """A page of an identity listing under `name`: the cursor checked against the
    types the listing puts in it, "now" caught up to `after`."""
    start = after_of(paging.cursor, cursor_types)
    await read_model(services, moment.after)
    found, last = await run_in_threadpool(read, moment, start, paging.limit, "pii" in key.scopes)
    return json_response({name: found, "next_cursor": cursor_of(last)})
