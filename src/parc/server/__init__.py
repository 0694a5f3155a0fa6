"""``parc serve``: AWS's IAM policy simulator and Access Analyzer's policy checks, answered offline over HTTP.

Existing boto3 / aws CLI scripts point ``endpoint_url`` here. ``app`` builds the Starlette application, ``state``
holds the loaded snapshots, ``analyzer`` answers Access Analyzer's REST-JSON operations, ``iam`` (its own package)
answers IAM's Query-protocol operations. Request signatures are accepted and never verified.
"""
