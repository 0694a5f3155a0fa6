"""The pure core of parc: the policy language, the engine, the account and network models.

Nothing under this package reads files, opens sockets or prints: loaders feed it models, reporters render its
results. A test (tests/test_architecture.py) enforces this.
"""
