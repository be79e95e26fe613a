"""A tiny built-in run kind that exercises the whole run machinery end to end."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from ihub.runs.context import RunContext
from ihub.runs.registry import run_kind


class CounterParams(BaseModel):
    count: int = Field(100, ge=1, le=1_000_000, description="Items to count per step.")
    delay_ms: int = Field(20, ge=0, le=10_000, description="Pause per item.")
    steps: int = Field(1, ge=1, le=10, description="Number of steps.")
    batch: int = Field(10, ge=1, le=10_000, description="Items per committed slice.")
    error_every: int | None = Field(
        None, ge=1, description="Every n-th item becomes a per-record error."
    )


@run_kind("demo.counter", title="Demo counter", params=CounterParams, exclusive=False)
def count(ctx: RunContext, params: CounterParams) -> None:
    names = [f"step {n + 1}" for n in range(params.steps)]
    ctx.declare_steps(*names)
    for index, name in enumerate(names):
        if index < ctx.checkpoint.get("step", 0):
            continue
        step = ctx.step(name, total=params.count)
        position = ctx.checkpoint.get("n", 0) if index == ctx.checkpoint.get("step", 0) else 0
        while position < params.count:
            end = min(params.count, position + params.batch)
            for item in range(position + 1, end + 1):
                time.sleep(params.delay_ms / 1000)
                if params.error_every and item % params.error_every == 0:
                    step.error(
                        "divisible by error_every", external_id=str(item), field="n", value=item
                    )
                    step.add(processed=1)
                else:
                    step.add(processed=1, inserted=1)
                step.current(f"item {item}")
            position = end
            ctx.save({"step": index, "n": position})
        step.complete()
        ctx.save({"step": index + 1, "n": 0})
