"""``collection.json``, written by ``parc collect`` in each account folder (and at the top of an ``--org``
snapshot): the calls that failed and what was not collected, read into ``parc.core.audit.collection`` records so that
the audit lists them as not checked. A snapshot written by hand has none; a malformed one is a finding.
"""

from __future__ import annotations

from pathlib import Path

from parc.core.audit.collection import CollectionGap, CollectionRecord
from parc.core.findings import Finding
from parc.loaders.account.jsonfile import load_error, read_json

COLLECTION = "collection.json"


def load_collection(folder: Path) -> tuple[CollectionRecord | None, list[Finding]]:
    file = folder / COLLECTION
    if not file.is_file():
        return None, []
    data, err = read_json(file)
    if err is not None:
        return None, [err]
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        return None, [load_error("AUDIT_INPUT_UNREADABLE", f"{COLLECTION}: expected parc collect's record "
                                 "({\"status\", \"failures\", ...}); the collection's gaps are not known", file)]
    findings: list[Finding] = []
    gaps = []
    for i, f in enumerate(data.get("failures") or []):
        if not isinstance(f, dict) or not isinstance(f.get("call"), str):
            findings.append(load_error("AUDIT_INPUT_UNREADABLE", "a failure needs a \"call\"", file, f"failures[{i}]"))
            continue
        gaps.append(CollectionGap(str(f["call"]), str(f.get("area", "")), str(f.get("region") or ""),
                                  str(f.get("resource") or ""), str(f.get("noun") or ""),
                                  str(f.get("error") or "error")))
    notes = tuple((str(n.get("area", "")), str(n.get("reason", ""))) for n in data.get("not_collected") or []
                  if isinstance(n, dict))
    accounts = tuple((str(a.get("account", "")), str(a.get("status", "")), str(a.get("reason", "")))
                     for a in data.get("accounts") or [] if isinstance(a, dict))
    account = data.get("account")
    return CollectionRecord(str(file), str(data["status"]), str(account) if isinstance(account, str) else None,
                            tuple(gaps), notes, accounts), findings
