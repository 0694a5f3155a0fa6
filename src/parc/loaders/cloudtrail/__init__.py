"""CloudTrail logs for ``parc replay``: the reader (files, folders, exports; streamed) and the mapping of a record
to the request IAM decided (principal, action, resource, context)."""

from parc.loaders.cloudtrail.mapping import EventMap, Sessions, default_table, map_record
from parc.loaders.cloudtrail.reader import CloudTrailInputError, ReadProblems, list_files, read_all, read_file

__all__ = ["CloudTrailInputError", "EventMap", "ReadProblems", "Sessions", "default_table", "list_files",
           "map_record", "read_all", "read_file"]
