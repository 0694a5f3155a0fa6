"""Running parc's organization-wide work beyond one process: thin wiring over Dask (not core).

``runner`` maps a function over items in-process, on all local cores, or on an existing Dask cluster, with results
in input order; ``partition`` cuts an organization into the pieces that are mapped. Dask is an optional extra
(``pip install 'parc[dask]'``): the default, in-process path never imports it.
"""
