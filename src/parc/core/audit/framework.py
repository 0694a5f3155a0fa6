"""A compliance framework's view of the audit (the CIS AWS Foundations Benchmark): each control PASS, FAIL, NOT
CHECKED (naming what the snapshot lacks) or MANUAL (with the reason), and each finding's control ids.

The mapping is data (``frameworks/cis-aws.json``, read by ``parc.loaders.frameworks``): a control FAILs when a
finding of one of its codes is in the report; else it is NOT CHECKED when one of the inputs it needs is absent from
an account's snapshot, could not be read, could not be collected, or a check that reads it did not run; else it
PASSes. Never PASS from nothing: a control with no input to read is NOT CHECKED, whatever the findings say.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from parc.core.audit.codes import PRODUCED
from parc.core.audit.model import AuditFinding, NotChecked

PASS = "PASS"
FAIL = "FAIL"
NOT_CHECKED = "NOT CHECKED"
MANUAL = "MANUAL"
STATUSES = (FAIL, NOT_CHECKED, PASS, MANUAL)
FAILED_INSIDE_PARC = "parc failed on it"
"""How ``parc.core.audit.run`` begins the reason of a check that failed inside parc: no control PASSes then."""


class MappingError(ValueError):
    """The mapping file is not the shape this module reads (``path`` is the JSON path of the fault)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True, slots=True)
class Matcher:
    """Which findings fail a control: a code, and optionally details values or tokens the finding mentions."""

    code: str
    details: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(key, accepted values): the finding's ``details[key]`` (or one element of it, for a list) is one of them."""
    mentions: tuple[str, ...] = ()
    """Tokens (``0.0.0.0/0``, ``445``): one appears, as a whole token, in the title, evidence or details."""

    def matches(self, f: AuditFinding) -> bool:
        if f.rule != self.code:
            return False
        for key, accepted in self.details:
            value = f.details.get(key)
            values = value if isinstance(value, (list, tuple)) else [value]
            if value is None and key == "requirement":
                # One finding for several weaknesses (before details.requirement): the evidence names the field.
                if not any(e.path.endswith(f".{a}") for e in f.evidence for a in accepted):
                    return False
                continue
            if not any(str(v) in accepted for v in values):
                return False
        if self.mentions:
            text = " ".join([f.title, *(e.text for e in f.evidence), *(str(v) for v in f.details.values())])
            if not any(_token(m).search(text) for m in self.mentions):
                return False
        return True


@lru_cache(maxsize=256)
def _token(value: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.:/])" + re.escape(value) + r"(?![\w.:/])")


@dataclass(frozen=True, slots=True)
class Input:
    """One part of an account's snapshot a control needs."""

    id: str
    what: str
    files: tuple[str, ...]
    """Patterns of paths relative to the account folder (``cloudtrail/*/describe-trails.json``): one must exist."""
    areas: tuple[str, ...] = ()
    """The ``parc collect`` areas it comes from: a failed call of one of them makes it missing."""
    not_checked: tuple[str, ...] = ()
    """Prefixes of the audit's "not checked" entries that mean a check reading it did not run."""


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str
    fail: tuple[Matcher, ...] = ()
    needs: tuple[Input, ...] = ()
    manual: str = ""
    """Why parc cannot decide it (then the control is MANUAL)."""
    related: tuple[str, ...] = ()
    """For a MANUAL control: codes of findings that help the person deciding it (listed, not graded)."""
    note: str = ""
    cis_assessment: str = ""
    thresholds: tuple[Threshold, ...] = ()


@dataclass(frozen=True, slots=True)
class Threshold:
    """A setting of the audit the control's answer depends on (``unused_days`` at most 45 for CIS 2.11): with a
    laxer one, a PASS would not be the benchmark's."""

    name: str
    at_most: int | None = None
    at_least: int | None = None
    flag: str = ""

    def unmet(self, settings: Mapping[str, object]) -> str:
        value = settings.get(self.name)
        if not isinstance(value, int):
            return ""
        if (self.at_most is not None and value > self.at_most) or (self.at_least is not None
                                                                   and value < self.at_least):
            want = f"at most {self.at_most}" if self.at_most is not None else f"at least {self.at_least}"
            how = f": run with {self.flag}" if self.flag else ""
            return f"the audit ran with {self.name} {value}; the benchmark asks {want}{how}"
        return ""


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    """``cis-aws-7.0``: the prefix of each control id in a finding's ``controls``."""
    title: str
    controls: tuple[Control, ...]


@dataclass(frozen=True, slots=True)
class AccountFiles:
    """What one account's snapshot holds, for the NOT CHECKED answers."""

    account: str
    files: frozenset[str]
    """Paths relative to the account folder, with ``/``."""
    unread: tuple[str, ...] = ()
    """Files (relative or as the loaders name them) with input that could not be read."""


@dataclass(frozen=True)
class ControlResult:
    id: str
    title: str
    status: str
    findings: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""
    cis_assessment: str = ""
    related: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "title": self.title, "status": self.status,
                                  "findings": list(self.findings), "missing": list(self.missing)}
        if self.reason:
            out["reason"] = self.reason
        if self.related:
            out["related_findings"] = list(self.related)
        if self.cis_assessment:
            out["cis_assessment"] = self.cis_assessment
        return out


ControlIndex = dict[str, list[tuple[str, tuple["Matcher", ...]]]]


def control_ids(f: AuditFinding, index: ControlIndex) -> tuple[str, ...]:
    """``("cis-aws-7.0:2.4", "cis-aws-6.0:2.3")``: the controls a finding fails (or informs, for MANUAL ones);
    ``index`` from ``control_index``."""
    out: list[str] = []
    for control, matchers in index.get(f.rule, ()):
        if (not matchers or any(m.matches(f) for m in matchers)) and control not in out:
            out.append(control)
    return tuple(out)


def control_index(frameworks: Iterable[Framework]) -> ControlIndex:
    """code -> (``framework:control``, the matchers of that code; none for a MANUAL control's related code), in
    the mapping's order: a report of thousands of findings looks up only its own code's controls."""
    out: ControlIndex = {}
    for fw in frameworks:
        for c in fw.controls:
            name = f"{fw.id}:{c.id}"
            for code in dict.fromkeys([*(m.code for m in c.fail), *c.related]):
                out.setdefault(code, []).append((name, () if code in c.related else
                                                 tuple(m for m in c.fail if m.code == code)))
    return out


def evaluate(fw: Framework, findings: Sequence[AuditFinding], not_checked: Sequence[NotChecked],
             accounts: Sequence[AccountFiles], collection_gaps: Mapping[tuple[str | None, str], Sequence[str]],
             produced: frozenset[str] = PRODUCED, settings: Mapping[str, object] | None = None)\
        -> tuple[ControlResult, ...]:
    """Each control of ``fw`` over the report. ``collection_gaps``: (account, collect area) -> the failed calls;
    ``produced``: the codes the audit has a check for (a control one of whose codes has none is not PASSed)."""
    by_rule: dict[str, list[AuditFinding]] = {}
    for f in findings:  # in the report's order
        by_rule.setdefault(f.rule, []).append(f)

    def of(codes: Iterable[str]) -> list[AuditFinding]:
        found = [f for code in dict.fromkeys(codes) for f in by_rule.get(code, ())]
        return found if len(set(codes)) < 2 else sorted(found, key=lambda f: f.sort_key())

    crashed = [f"{n.account or 'every account'}: {n.check}: {n.reason}" for n in not_checked
                if n.reason.startswith(FAILED_INSIDE_PARC)]
    out = []
    for c in fw.controls:
        if c.manual:
            related = tuple(f.id for f in of(c.related))
            out.append(ControlResult(c.id, c.title, MANUAL, reason=c.manual, cis_assessment=c.cis_assessment,
                                     related=related))
            continue
        failed = tuple(f.id for f in of([m.code for m in c.fail]) if any(m.matches(f) for m in c.fail))
        missing: list[str] = [f"parc has no check for {code} yet" for code in dict.fromkeys(m.code for m in c.fail)
                              if code not in produced]
        for i in c.needs:
            for a in accounts:
                for why in _missing(i, a, not_checked, collection_gaps):
                    if why not in missing:
                        missing.append(why)
        if not accounts:
            missing.append("the snapshot has no account")
        missing.extend(u for u in (t.unmet(settings or {}) for t in c.thresholds) if u)
        if not failed and not missing and crashed:  # a check parc failed on may be the one that fails it
            missing.extend(crashed)
        status = FAIL if failed else NOT_CHECKED if missing else PASS
        out.append(ControlResult(c.id, c.title, status, failed, tuple(missing), c.note,
                                 cis_assessment=c.cis_assessment))
    return tuple(out)


def _missing(i: Input, a: AccountFiles, not_checked: Sequence[NotChecked],
             gaps: Mapping[tuple[str | None, str], Sequence[str]]) -> list[str]:
    out = []
    if not any(fnmatch.fnmatchcase(f, p) for f in a.files for p in i.files):
        out.append(f"{a.account}: {i.what}: absent from the snapshot ({' or '.join(i.files)})")
    bad = [u for u in a.unread if any(fnmatch.fnmatchcase(_relative(u, a), p) for p in i.files)]
    if bad:
        out.append(f"{a.account}: {i.what}: could not be read ({', '.join(bad)})")
    for area in i.areas:
        for g in gaps.get((a.account, area), ()):
            out.append(f"{a.account}: {i.what}: not collected ({g})")
    for n in not_checked:
        if n.account == a.account and any(n.check.startswith(p) for p in i.not_checked):
            text = f"{a.account}: {n.check}: {n.reason}"
            if text not in out:
                out.append(text)
    return out


def _relative(file: str, a: AccountFiles) -> str:
    """A loader's file name (often the full path) as a path relative to the account folder, when it is one."""
    text = file.replace("\\", "/")
    for f in a.files:
        if text == f or text.endswith("/" + f):
            return f
    return text


# ---- reading the mapping (the data, as the loader decoded it) -------------------------------------------------------


def _str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise MappingError(path, "expected a non-empty string")
    return value


def _strs(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise MappingError(path, "expected a list of strings")
    return tuple(_str(v, f"{path}[{i}]") for i, v in enumerate(value))


def _obj(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise MappingError(path, "expected an object")
    return value


def parse_mapping(data: object) -> tuple[Framework, ...]:
    """The frameworks of a mapping file (see ``frameworks/cis-aws.json``'s ``about``)."""
    top = _obj(data, "$")
    inputs: dict[str, Input] = {}
    for key, raw in _obj(top.get("inputs"), "$.inputs").items():
        o = _obj(raw, f"$.inputs.{key}")
        inputs[key] = Input(key, _str(o.get("what"), f"$.inputs.{key}.what"),
                            _strs(o.get("files"), f"$.inputs.{key}.files"), _areas(o.get("area"), key),
                            _strs(o.get("not_checked", []), f"$.inputs.{key}.not_checked"))
    reasons = {k: _str(v, f"$.manual_reasons.{k}") for k, v in _obj(top.get("manual_reasons"),
                                                                      "$.manual_reasons").items()}
    checks: dict[str, tuple[tuple[Matcher, ...], tuple[Input, ...], str, tuple[Threshold, ...]]] = {}
    for key, raw in _obj(top.get("checks"), "$.checks").items():
        o = _obj(raw, f"$.checks.{key}")
        fail = o.get("fail")
        if not isinstance(fail, list) or not fail:
            raise MappingError(f"$.checks.{key}.fail", "expected a non-empty list")
        matchers = tuple(_matcher(m, f"$.checks.{key}.fail[{i}]") for i, m in enumerate(fail))
        needs = []
        for i, n in enumerate(_strs(o.get("needs"), f"$.checks.{key}.needs")):
            if n not in inputs:
                raise MappingError(f"$.checks.{key}.needs[{i}]", f"no input {n!r} in $.inputs")
            needs.append(inputs[n])
        if not needs:
            raise MappingError(f"$.checks.{key}.needs", "a check needs at least one input (never PASS from nothing)")
        limits = tuple(_threshold(k, v, f"$.checks.{key}.thresholds.{k}")
                       for k, v in _obj(o.get("thresholds", {}), f"$.checks.{key}.thresholds").items())
        checks[key] = (matchers, tuple(needs), str(o.get("note", "")), limits)
    out = []
    for fid, raw in _obj(top.get("frameworks"), "$.frameworks").items():
        o = _obj(raw, f"$.frameworks.{fid}")
        controls = []
        for cid, craw in _obj(o.get("controls"), f"$.frameworks.{fid}.controls").items():
            p = f"$.frameworks.{fid}.controls.{cid}"
            co = _obj(craw, p)
            title = _str(co.get("title"), f"{p}.title")
            assessment = str(co.get("cis_assessment", ""))
            if "manual" in co:
                why = _str(co.get("manual"), f"{p}.manual")
                if why not in reasons:
                    raise MappingError(f"{p}.manual", f"no reason {why!r} in $.manual_reasons")
                controls.append(Control(cid, title, manual=reasons[why], cis_assessment=assessment,
                                        related=_strs(co.get("related", []), f"{p}.related")))
                continue
            check = _str(co.get("check"), f"{p}.check")
            if check not in checks:
                raise MappingError(f"{p}.check", f"no check {check!r} in $.checks")
            matchers, inputs_needed, note, limits = checks[check]
            controls.append(Control(cid, title, matchers, inputs_needed, note=note, cis_assessment=assessment,
                                    thresholds=limits))
        out.append(Framework(fid, _str(o.get("title"), f"$.frameworks.{fid}.title"), tuple(controls)))
    return tuple(out)


def _threshold(name: str, raw: object, path: str) -> Threshold:
    o = _obj(raw, path)
    most, least = o.get("at_most"), o.get("at_least")
    if not isinstance(most, (int, type(None))) or not isinstance(least, (int, type(None))) or most == least is None:
        raise MappingError(path, "expected at_most or at_least, an integer")
    return Threshold(name, most, least, str(o.get("flag", "")))


def _areas(value: object, key: str) -> tuple[str, ...]:
    """``"area"``: one ``parc collect`` area, or a list of them (resource policies come from several)."""
    if value is None:
        return ()
    return (_str(value, f"$.inputs.{key}.area"),) if isinstance(value, str) else _strs(value, f"$.inputs.{key}.area")


def _matcher(raw: object, path: str) -> Matcher:
    o = _obj(raw, path)
    details = tuple((k, _strs(v, f"{path}.details.{k}")) for k, v in _obj(o.get("details", {}),
                                                                           f"{path}.details").items())
    return Matcher(_str(o.get("code"), f"{path}.code"), details, _strs(o.get("mentions", []), f"{path}.mentions"))


def codes(frameworks: Iterable[Framework]) -> set[str]:
    """Every finding code a mapping names (the test checks each is one the audit can produce)."""
    out: set[str] = set()
    for fw in frameworks:
        for c in fw.controls:
            out.update(m.code for m in c.fail)
            out.update(c.related)
    return out
