"""How long the fuzz tests run: a short pass in `make test`, a long one in `make fuzz`.

Every fuzz test is a Hypothesis `@given` test decorated with `@fuzz`. By default it runs `SHORT_EXAMPLES` examples,
so `make test` stays quick. With `PARC_FUZZ_SECONDS=N` in the environment (`make fuzz` sets it), the same test runs
batches of fresh random examples until N seconds have passed; a failure in any batch is shrunk and reported by
Hypothesis as usual. Hypothesis has no time budget of its own, which is why the loop is written here.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

F = TypeVar("F", bound=Callable[..., Any])

SHORT_EXAMPLES = int(os.environ.get("PARC_FUZZ_EXAMPLES", "40"))
FUZZ_SECONDS = float(os.environ.get("PARC_FUZZ_SECONDS", "0"))
BATCH_EXAMPLES = 500

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.large_base_example]


def fuzz(test: F) -> F:
    """Run a `@given` test briefly, or for PARC_FUZZ_SECONDS when that is set (see the module docstring)."""
    if FUZZ_SECONDS <= 0:
        return settings(max_examples=SHORT_EXAMPLES, deadline=None, suppress_health_check=_RELAXED,
                        database=None)(test)
    batch = settings(max_examples=BATCH_EXAMPLES, deadline=None, suppress_health_check=_RELAXED,
                     database=None)(test)

    @functools.wraps(test)
    def timed(*args: Any, **kwargs: Any) -> None:
        end = time.monotonic() + FUZZ_SECONDS
        rounds = 0
        while rounds == 0 or time.monotonic() < end:
            batch(*args, **kwargs)
            rounds += 1

    # pytest must not see the strategies' parameters as fixtures: hide the original signature.
    timed.__dict__.pop("__wrapped__", None)
    return timed  # type: ignore[return-value]
