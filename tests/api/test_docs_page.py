"""`/docs`: Swagger UI with every asset served by the store itself, so the page
works without a network (nothing from a CDN)."""

from __future__ import annotations

import re

from tests.plugins.server import Api

REFERENCE = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")


def test_the_docs_page_references_only_its_own_assets_and_each_is_served(api: Api) -> None:
    with api.client(key=None) as client:
        page = client.get("/docs")
        references = [a or b for a, b in REFERENCE.findall(page.text)]
        assert page.status_code == 200
        assert len(references) == 4  # the style, the icon, the script and the document
        assert all(ref.startswith("/") and not ref.startswith("//") for ref in references)

        answers = {ref: client.get(ref) for ref in references}

    assert {ref: a.status_code for ref, a in answers.items()} == dict.fromkeys(references, 200)
    assert answers["/openapi.json"].json()["openapi"].startswith("3.1")
    script = next(a for ref, a in answers.items() if ref.endswith(".js"))
    assert "SwaggerUIBundle" in script.text
