"""SPEC 10.5: the `identities` section of the configuration file (SPEC 5.1).

```yaml
identities:
  ignore:                      # placeholders: compared in normalised form
    - {kind: email, value: noemail@example.com}
  shared_limit: 20             # default 20; an integer >= 2
```

`journey.rules.sla_config` reads the file and keeps this section as it found
it (`SlaConfig.identities`); `identities_config` validates it, every problem
at once in one `SlaConfigError` naming the entry. `load_config` does both, at
start. Values are normalised with the same `Normaliser` as ingestion, so a
phone number without `+` needs the configured region here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from journey.identities.candidates import DEFAULT_SHARED_LIMIT
from journey.identities.normalise import IdentityError, Normaliser
from journey.identities.resolution import Identity
from journey.rules.sla_config import SlaConfig, SlaConfigError, load_sla_config
from journey.vocabulary.terms import IDENTITY_KINDS

_KEYS = ("ignore", "shared_limit")


@dataclass(frozen=True)
class IdentitiesConfig:
    """`ignore`: (kind, normalised value) of each placeholder; `shared_limit`:
    an identity held by more persons than this is shared."""

    ignore: frozenset[tuple[str, str]] = frozenset()
    shared_limit: int = DEFAULT_SHARED_LIMIT

    def ignored(self, key: Callable[[str, str], str]) -> frozenset[Identity]:
        """The ignored identities in the holdings' terms, `key(kind, normalised)`
        being how the store keys them (e.g. `identity_key` with its secret)."""
        return frozenset((kind, key(kind, value)) for kind, value in self.ignore)


def load_config(
    path: str | Path | None, normaliser: Normaliser
) -> tuple[SlaConfig, IdentitiesConfig]:
    """The SLA configuration and its `identities` section, both validated."""
    sla = load_sla_config(path)
    return sla, identities_config(sla.identities, normaliser, str(path or "default"))


def identities_config(
    section: object, normaliser: Normaliser, source: str = "SLA configuration"
) -> IdentitiesConfig:
    """The `identities` section validated (None: the defaults)."""
    if section is None:
        return IdentitiesConfig()
    if not isinstance(section, Mapping):
        raise SlaConfigError([f"identities: expected a mapping, got {section!r}"], source)
    problems = [f"identities.{key}: unknown key" for key in section if key not in _KEYS]
    limit = section.get("shared_limit", DEFAULT_SHARED_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
        problems.append(f"identities.shared_limit: expected an integer >= 2, got {limit!r}")
    entries = section.get("ignore") or []
    if not isinstance(entries, list):
        problems.append(f"identities.ignore: expected a list, got {entries!r}")
        entries = []
    ignore: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries):
        try:
            ignore.add(_ignored(entry, normaliser))
        except ValueError as error:
            problems.append(f"identities.ignore[{index}]: {error}")
    if problems:
        raise SlaConfigError(problems, source)
    return IdentitiesConfig(frozenset(ignore), limit)


def _ignored(entry: object, normaliser: Normaliser) -> tuple[str, str]:
    if not isinstance(entry, Mapping) or set(entry) != {"kind", "value"}:
        raise ValueError(f"expected {{kind, value}}, got {entry!r}")
    kind, value = entry["kind"], entry["value"]
    if kind not in IDENTITY_KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of {', '.join(IDENTITY_KINDS)})")
    if not isinstance(value, str):
        raise ValueError(f"the value must be a string, got {value!r}")
    try:
        return kind, normaliser.normalise(kind, value)
    except IdentityError as error:
        raise ValueError(f"value {value!r} does not normalise as {kind}: {error}") from None
