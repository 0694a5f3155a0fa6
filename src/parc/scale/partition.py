"""How an organization is cut into partitions: per account, and a big account per chunk of principals.

Why this size: a worker compiles each distinct policy set once and reuses it for every principal of its partition,
so a partition keeps the principals of one account together (they share policies, boundaries and SCP paths) and is
large enough that compiling is amortised; a cap keeps one big account from becoming one long task on one worker.
Partitions are contiguous runs of the snapshot's principal order (``all_principals``): concatenating their results
in partition order gives the single-process order, so the merge is exact and needs no sort of its own.
"""

from __future__ import annotations

from parc.core.account.model import Estate

PRINCIPALS_PER_PARTITION = 400
"""The cap on one partition's principals (a few seconds of escalation work on the compiled engine)."""


def principal_partitions(estate: Estate, size: int | None = None) -> list[tuple[str, ...]]:
    """The users and roles of every account (in ``all_principals`` order), cut per account and in chunks of at
    most ``size`` (default ``PRINCIPALS_PER_PARTITION``)."""
    if size is None:
        size = PRINCIPALS_PER_PARTITION
    if size < 1:
        raise ValueError("a partition holds at least one principal")
    out: list[tuple[str, ...]] = []
    for account in estate.accounts:
        arns = [u.arn for u in account.users] + [r.arn for r in account.roles]
        out.extend(tuple(arns[i:i + size]) for i in range(0, len(arns), size))
    return out


def role_partitions(estate: Estate, size: int | None = None) -> list[tuple[str, ...]]:
    """The roles of every account (in the order the role-assumption graph visits them), cut per account and in
    chunks of at most ``size`` (default ``PRINCIPALS_PER_PARTITION``)."""
    if size is None:
        size = PRINCIPALS_PER_PARTITION
    if size < 1:
        raise ValueError("a partition holds at least one role")
    out: list[tuple[str, ...]] = []
    for account in estate.accounts:
        arns = [r.arn for r in account.roles]
        out.extend(tuple(arns[i:i + size]) for i in range(0, len(arns), size))
    return out
