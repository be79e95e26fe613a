from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ihub.models import ConnectionStatus

AuthorizationStatus = Literal["pending", "completed", "failed", "expired"]


class AuthorizationRead(BaseModel):
    status: AuthorizationStatus
    reason: str | None = Field(description="Why it failed or expired.")
    user_code: str = Field(description="The code the seller confirms at Allegro.")
    verification_uri: str
    verification_uri_complete: str = Field(description="The same page with the code filled in.")
    expires_at: datetime
    run_id: uuid.UUID = Field(description="The allegro.authorize run that waits for approval.")
    started_at: datetime
    finished_at: datetime | None
    account_id: str | None = Field(description="The authorized seller's Allegro user id.")
    connection_status: ConnectionStatus
