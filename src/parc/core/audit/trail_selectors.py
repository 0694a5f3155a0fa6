"""What a CloudTrail trail records, from its event selectors (``get-event-selectors``): management events (read,
write) and S3 object-level data events (read, write) for every bucket.

A trail has either basic ``EventSelectors`` or ``AdvancedEventSelectors``. Only a selector that records the whole
category counts: one narrowed to some buckets, some event names or sources, or with management event sources
excluded, does not (it is named in ``notes``, so the finding says why), because "logs S3 writes" must mean every
bucket's. A trail that never had selectors set (``HasCustomEventSelectors`` false) logs every management event,
read and write, and no data event: the default of a trail.

https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html ("specify the prefix as
arn:aws:s3" to log data events for all objects in all S3 buckets)
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALL_BUCKETS = re.compile(r"^arn:[a-z-]+:s3(:::)?$")
"""A data resource value (or ``resources.ARN`` StartsWith prefix) that covers every bucket's objects."""
S3_OBJECT = "AWS::S3::Object"


@dataclass
class Coverage:
    management_read: bool = False
    management_write: bool = False
    s3_read: bool = False
    s3_write: bool = False
    notes: list[str] = field(default_factory=list)
    """Selectors that record part of a category only, said in words."""

    def add(self, what: str, read: bool, write: bool) -> None:
        if what == "management":
            self.management_read |= read
            self.management_write |= write
        else:
            self.s3_read |= read
            self.s3_write |= write


DEFAULT = Coverage(True, True, False, False)
"""A trail without custom selectors: every management event, read and write; no data event."""


def _ways(read_write: object) -> tuple[bool, bool]:
    if read_write in (None, "All"):
        return True, True
    return read_write == "ReadOnly", read_write == "WriteOnly"


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _list(value: object, where: str, cov: Coverage) -> list[object]:
    """A list field of a selector; any other type is noted and read as empty, so it never counts as recording (a
    wrong type can only give a finding, never hide one)."""
    if value is None or isinstance(value, list):
        return value or []
    cov.notes.append(f"{where} is not a list ({type(value).__name__}): not read")
    return []


def basic(selectors: list[object], cov: Coverage) -> None:
    for i, sel in enumerate(selectors):
        if not isinstance(sel, dict):
            continue
        read, write = _ways(sel.get("ReadWriteType"))
        if sel.get("IncludeManagementEvents", True) is True:
            excluded = _strings(sel.get("ExcludeManagementEventSources"))
            if excluded:
                cov.notes.append(f"EventSelectors[{i}] excludes management events of {', '.join(excluded)}")
            else:
                cov.add("management", read, write)
        for res in _list(sel.get("DataResources"), f"EventSelectors[{i}].DataResources", cov):
            if not isinstance(res, dict) or res.get("Type") != S3_OBJECT:
                continue
            values = _strings(res.get("Values"))
            if any(ALL_BUCKETS.match(v) for v in values):
                cov.add("s3", read, write)
            elif values:
                cov.notes.append(f"EventSelectors[{i}] records S3 data events of some buckets only "
                                 f"({', '.join(values[:3])}{'...' if len(values) > 3 else ''})")


def _read_only(fs: dict[str, object]) -> tuple[bool, bool] | None:
    """(read, write) the ``readOnly`` field selector lets through (None: one parc does not understand)."""
    eq, ne = _strings(fs.get("Equals")), _strings(fs.get("NotEquals"))
    if set(fs) - {"Field", "Equals", "NotEquals"} or any(not isinstance(fs[k], list) for k in set(fs) - {"Field"}):
        return None
    read = ("true" in eq or not eq) and "true" not in ne
    write = ("false" in eq or not eq) and "false" not in ne
    return read, write


def advanced(selectors: list[object], cov: Coverage) -> None:
    for i, sel in enumerate(selectors):
        if not isinstance(sel, dict):
            continue
        name = f"AdvancedEventSelectors[{i}]" + (f" ({sel['Name']})" if isinstance(sel.get("Name"), str) else "")
        fields = [fs for fs in _list(sel.get("FieldSelectors"), f"{name}.FieldSelectors", cov) if isinstance(fs, dict)]
        by_field = {str(fs.get("Field")): fs for fs in fields}
        category = _strings(by_field.get("eventCategory", {}).get("Equals"))
        read, write = True, True
        if "readOnly" in by_field:
            ways = _read_only(by_field["readOnly"])
            if ways is None:
                cov.notes.append(f"{name}: a readOnly condition parc does not read")
                continue
            read, write = ways
        narrowing = sorted(set(by_field) - {"eventCategory", "readOnly", "resources.type", "resources.ARN"})
        if "Management" in category:
            if narrowing or "resources.ARN" in by_field:
                cov.notes.append(f"{name} records management events filtered on {', '.join(narrowing or ['ARN'])}")
            else:
                cov.add("management", read, write)
        if "Data" in category and S3_OBJECT in _strings(by_field.get("resources.type", {}).get("Equals")):
            arn = by_field.get("resources.ARN")
            all_buckets = arn is None or (set(arn) == {"Field", "StartsWith"}
                                          and any(ALL_BUCKETS.match(v) for v in _strings(arn.get("StartsWith"))))
            if narrowing or not all_buckets:
                cov.notes.append(f"{name} records S3 data events of some buckets or events only")
            else:
                cov.add("s3", read, write)


def coverage(output: dict[str, object] | None, custom: bool | None) -> Coverage | None:
    """What the trail records, from its get-event-selectors output (None: unknown, the output was not read).
    ``custom`` is describe-trails' ``HasCustomEventSelectors``."""
    if output is None:
        return None
    ev = output.get("EventSelectors")
    adv = output.get("AdvancedEventSelectors")
    ev_list = ev if isinstance(ev, list) else []
    adv_list = adv if isinstance(adv, list) else []
    if not ev_list and not adv_list and custom is not True:
        return Coverage(DEFAULT.management_read, DEFAULT.management_write, False, False)
    cov = Coverage()
    basic(ev_list, cov)
    advanced(adv_list, cov)
    return cov
