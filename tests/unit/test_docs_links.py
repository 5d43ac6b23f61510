"""Every relative link in README.md and docs/*.md points at a file inside the
repository (a link that leaves it, like `../shared/SPEC.md`, is broken in any
clone), and a `#fragment` into a Markdown file names one of its headings."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_INLINE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def links(text: str) -> list[str]:
    """The link targets of a Markdown text, code blocks and code spans left out."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", text))
    return _INLINE.findall(prose) + _REFERENCE.findall(prose)


def anchors(text: str) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces
    to hyphens, a repeated heading numbered `-1`, `-2`, ..."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _FENCE.sub("", text), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, number = slug, 0
        while candidate in found:
            number += 1
            candidate = f"{slug}-{number}"
        found.add(candidate)
    return found


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of `document` that leaves `root`, names no file, or
    names no heading of the Markdown file it points into."""
    problems = []
    for target in links(document.read_text(encoding="utf-8")):
        if _SCHEME.match(target):
            continue  # http:, https:, mailto:
        path_part, _, fragment = target.partition("#")
        linked = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not linked.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not linked.exists():
            problems.append(f"{target}: no such file")
        elif (
            fragment
            and linked.suffix == ".md"
            and fragment not in anchors(linked.read_text(encoding="utf-8"))
        ):
            problems.append(f"{target}: no heading #{fragment} in {linked.name}")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_points_into_the_repository(document: Path) -> None:
    assert broken_links(document) == []


def test_the_contract_is_linked_from_the_readme() -> None:
    assert "docs/contract.md" in links((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_check_finds_links_outside_missing_and_to_no_heading(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Store\n\n## Folds (SPEC 3-5)\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "See [the SPEC](../../shared/SPEC.md), [gone](missing.md),\n"
        "[folds](other.md#folds-spec-3-5), [nowhere](other.md#http-api),\n"
        "[web](https://example.com/x) and `[code](../not/a/link.md)`.\n\n"
        "[ref]: ../../outside.md\n"
    )
    assert broken_links(page, tmp_path) == [
        "../../shared/SPEC.md: outside the repository",
        "missing.md: no such file",
        "other.md#http-api: no heading #http-api in other.md",
        "../../outside.md: outside the repository",
    ]
