"""Job functions used only by the tests (registered in ``KINDS`` by the fixtures)."""

from __future__ import annotations

import threading

from crm.jobs.services import JobContext, JobError, JobOutcome

#: Set by a test to let :func:`gated` finish; reset by the fixture.
GATE = threading.Event()


def counting(ctx: JobContext, *, steps: int = 4) -> JobOutcome:
    for step in range(steps):
        ctx.progress(100 * step / steps, f"step {step}")
    return JobOutcome(message=f"counted {steps}", result_url="/jobs/", result={"steps": steps})


def gated(ctx: JobContext) -> JobOutcome:
    ctx.progress(50, "half way")
    if not GATE.wait(20):
        raise RuntimeError("the test never opened the gate")
    return JobOutcome(message="through the gate", result_url="/jobs/")


def refusing(ctx: JobContext) -> JobOutcome:
    raise JobError("the file is gone")


def crashing(ctx: JobContext) -> JobOutcome:
    raise ZeroDivisionError("boom")
