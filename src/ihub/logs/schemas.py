from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class LogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    level: str
    system: str
    step: str
    status: str
    run_id: uuid.UUID | None
    message: str
    details: dict[str, Any] | None
    payload: dict[str, Any] | None
