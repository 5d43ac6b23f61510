"""The page routes: shells with a strict content-security policy, assets by
name only, nothing in the API's OpenAPI document."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import Journey


def test_pages_are_served_with_a_content_security_policy(journey_server: Journey) -> None:
    for path in ("/journey?customer=e2e-alice", "/dashboard"):
        answer = httpx.get(f"{journey_server.url}{path}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert 'value="e2e-alice"' in httpx.get(f"{journey_server.url}/journey?customer=e2e-alice").text


def test_the_root_leads_to_the_journey_page(journey_server: Journey) -> None:
    answer = httpx.get(f"{journey_server.url}/")
    assert answer.status_code == 307 and answer.headers["location"] == "/journey"


def test_only_known_assets_are_served(journey_server: Journey) -> None:
    script = httpx.get(f"{journey_server.url}/assets/journey.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    for name in ("nothing.js", "..%2Froutes.py", "..%2F..%2Fapp.py"):
        assert httpx.get(f"{journey_server.url}/assets/{name}").status_code == 404


def test_a_customer_id_in_the_query_is_escaped(journey_server: Journey) -> None:
    answer = httpx.get(f"{journey_server.url}/journey", params={"customer": '"><script>x</script>'})
    assert "<script>x" not in answer.text and "&lt;script&gt;" in answer.text


def test_the_pages_stay_out_of_the_openapi_document(journey_server: Journey) -> None:
    paths = httpx.get(f"{journey_server.url}/openapi.json").json()["paths"]
    assert not {"/", "/journey", "/dashboard", "/assets/{name}"} & set(paths)
