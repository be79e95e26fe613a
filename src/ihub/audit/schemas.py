from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor_type: str
    actor_id: str | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    changes: dict[str, Any]
    request_id: str | None
