"""What API processes reuse for ``IHUB_AUTH_CACHE_SECONDS`` instead of asking the database.

Resolving the caller's key and reading the tenant's time zone are a query each on every
request, most of what a cached read costs (``bench/production.py``). Entries live
``IHUB_AUTH_CACHE_SECONDS`` (0 turns this off), a key's never past the key's own expiry. A
revoke or a change of zone forgets this process's entries when it commits; another API
process notices within those seconds. Only keys that resolved are kept, so unknown tokens
cannot grow the table.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ihub.kit.expiring import Expiring

if TYPE_CHECKING:
    from ihub.tenants.auth import Principal

__all__ = ["principals", "zones"]

principals: Expiring[str, Principal] = Expiring()  # by the key's token hash
zones: Expiring[uuid.UUID, str] = Expiring()  # IANA zone by tenant
