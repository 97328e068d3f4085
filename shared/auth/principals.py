"""Who is calling, and what their roles allow.

Roles are ranked: `service` (resolve templates only) < `viewer` (admin reads) < `editor`
(create versions and guardrails) < `publisher` (move labels, start/stop experiments) <
`admin` (delete, keys). A higher role can do everything a lower one can.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

Role = Literal["service", "viewer", "editor", "publisher", "admin"]
ROLE_RANK: dict[str, int] = {"service": 0, "viewer": 1, "editor": 2, "publisher": 3, "admin": 4}


@dataclass(frozen=True)
class Principal:
    id: str  # an email for Google identities, `key:<id>` for API keys
    kind: Literal["google", "iap", "api_key"]
    roles: frozenset[str]

    @cached_property  # asked on every request; the roles never change
    def rank(self) -> int:
        return max((ROLE_RANK[r] for r in self.roles if r in ROLE_RANK), default=-1)

    def allows(self, minimum: Role) -> bool:
        return self.rank >= ROLE_RANK[minimum]
