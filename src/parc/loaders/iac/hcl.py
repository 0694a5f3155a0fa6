"""Terraform source (``.tf``) read with python-hcl2's parse tree, for the policies written literally: ``jsonencode
({...})``, heredocs of JSON, and ``data "aws_iam_policy_document"`` blocks, so a developer gets findings before a
plan exists.

python-hcl2 (the maintained HCL2 parser for Python, built on lark) gives a tree whose tokens keep their line and
column; its dict form (``hcl2.load``) would lose them and flatten ``jsonencode(...)`` into a string. A reference
(``aws_s3_bucket.b.arn``, ``var.x``, an interpolation) is not known before a plan: it stays symbolic, and a finding on
it becomes IAC_UNCHECKED_VALUE. A policy that is entirely a reference (``data.aws_iam_policy_document.d.json``) is
checked where it is written (the data block) or, for anything else, said to be unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JMember, JNode, JsonSyntaxError, parse_json
from parc.loaders.iac.model import EmbeddedPolicy, IacReport
from parc.loaders.iac.terraform import IMPLICIT_RESOURCE, POLICY_ATTRIBUTES, lambda_permission_from

DOCUMENT_LINK = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document"
HCL_LINK = "https://developer.hashicorp.com/terraform/language/syntax/configuration"

_ESCAPES = re.compile(r'\\(["\\nrt])|\$\$\{|%%\{')
_ESCAPED = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


@dataclass
class _Eval:
    opaque: set[Position] = field(default_factory=set)
    variables: Mapping[str, JNode] = field(default_factory=dict)
    """Input variables whose value is known (``var.x``): a default, a .tfvars file."""


_VAR = re.compile(r"var\.([A-Za-z_][A-Za-z0-9_-]*)")
_VAR_INTERPOLATION = re.compile(r"\$\{\s*var\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}")


def _placed(node: JNode, p: Position) -> JNode:
    """A variable's value at the place it is used (its findings point there)."""
    if node.kind == "object":
        return JNode([JMember(m.key, p, _placed(m.node, p)) for m in node.members], "object", p)
    if node.kind == "array":
        return JNode([_placed(i, p) for i in node.items], "array", p)
    return JNode(node.value, node.kind, p)


def _first_token(t: Tree[Token] | Token) -> Token | None:
    if isinstance(t, Token):
        return t
    for c in t.children:
        found = _first_token(c)
        if found is not None and found.line is not None:
            return found
    return None


def _pos(t: Tree[Token] | Token) -> Position:
    tok = _first_token(t)
    if tok is None or tok.line is None or tok.column is None:
        return Position(1, 1)
    return Position(tok.line, tok.column)


def _trees(t: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in t.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _unescape(text: str) -> str:
    return _ESCAPES.sub(lambda m: _ESCAPED[m.group(1)] if m.group(1) else m.group(0)[1:], text)


def _source(t: Tree[Token] | Token) -> str:
    if isinstance(t, Token):
        return str(t)
    return "".join(_source(c) for c in t.children)


def evaluate(t: Tree[Token] | Token, ev: _Eval) -> JNode:
    """A literal expression as a positioned tree; references and calls other than jsonencode are opaque."""
    p = _pos(t)
    if isinstance(t, Token):
        return _opaque(str(t), p, ev)
    kind = t.data
    kids = _trees(t)
    var = _VAR.fullmatch(_source(t).strip()) if kind != "string" else None
    if var is not None and var.group(1) in ev.variables:
        return _placed(ev.variables[var.group(1)], p)
    if kind == "expr_term" and len(kids) == 1:
        return evaluate(kids[0], ev)
    if kind == "string":
        parts: list[str] = []
        known = True
        for c in t.children:
            if isinstance(c, Token):
                if c.type != "DBLQUOTE" and str(c) != '"':
                    parts.append(_unescape(str(c)))
            elif c.data == "string_part" and all(isinstance(x, Token) for x in c.children):
                parts.append(_unescape("".join(str(x) for x in c.children)))
            elif (m := _VAR_INTERPOLATION.fullmatch(_source(c).strip())) and _scalar(ev.variables.get(m.group(1))):
                parts.append(_text(ev.variables[m.group(1)]))
            else:
                known = False
                parts.append(_source(c))
        node = JNode("".join(parts), "string", p)
        if not known:
            ev.opaque.add(p)
        return node
    if kind == "int_lit" or kind == "float_lit":
        text = _source(t)
        try:
            return JNode(int(text) if kind == "int_lit" else float(text), "number", p)
        except ValueError:
            return _opaque(text, p, ev)
    if kind == "literal_value":
        text = _source(t)
        if text in ("true", "false"):
            return JNode(text == "true", "bool", p)
        if text == "null":
            return JNode(None, "null", p)
    if kind == "tuple":
        return JNode([evaluate(c, ev) for c in kids], "array", p)
    if kind == "object":
        members = []
        for elem in kids:
            parts_ = _trees(elem)
            if len(parts_) != 2:
                continue
            key_node = evaluate(parts_[0], _Eval())
            key = str(key_node.value) if key_node.kind == "string" else _source(parts_[0]).strip()
            members.append(JMember(key, _pos(parts_[0]), evaluate(parts_[1], ev)))
        return JNode(members, "object", p)
    if kind == "object_elem_key":
        inner = kids[0] if kids else t
        ident = _identifier(inner)
        return JNode(ident, "string", p) if ident is not None else evaluate(inner, ev)
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(t, p, ev)
    if kind == "function_call":
        name = _identifier(kids[0]) if kids else None
        args = [c for c in kids[1:] if c.data == "arguments"]
        arg_exprs = _trees(args[0]) if args else []
        if name == "jsonencode" and len(arg_exprs) == 1:
            return evaluate(arg_exprs[0], ev)
        return _opaque(_source(t), p, ev)
    if kind == "identifier":
        return _opaque(_source(t), p, ev)
    return _opaque(_source(t), p, ev)


def _scalar(node: JNode | None) -> bool:
    return node is not None and node.kind in ("string", "number", "bool")


def _text(node: JNode) -> str:
    if node.kind == "bool":
        return "true" if node.value else "false"
    return str(node.value)


def _identifier(t: Tree[Token] | Token) -> str | None:
    if isinstance(t, Token):
        return str(t)
    if t.data == "identifier" and t.children:
        return str(t.children[0])
    kids = _trees(t)
    if t.data == "expr_term" and len(kids) == 1:
        return _identifier(kids[0])
    return None


def _opaque(text: str, p: Position, ev: _Eval) -> JNode:
    ev.opaque.add(p)
    return JNode(text.strip(), "string", p)


def _heredoc(t: Tree[Token], p: Position, ev: _Eval) -> JNode:
    """A heredoc's text; when it is JSON, parsed with positions inside the .tf file (the text starts on the line
    after ``<<EOT``; ``<<-EOT`` strips the common indentation, so columns there are approximate)."""
    raw = _source(t).rstrip("\r\n")
    lines = raw.split("\n")
    body = lines[1:-1] if len(lines) >= 2 else []
    if t.data == "heredoc_template_trim":
        indents = [len(x) - len(x.lstrip()) for x in body if x.strip()]
        cut = min(indents, default=0)
        body = [x[cut:] for x in body]
    text = "\n".join(body)
    if "${" in text or "%{" in text:
        return _opaque(text, p, ev)
    try:
        node = parse_json(text)
    except (JsonSyntaxError, RecursionError):
        return JNode(text, "string", p)
    _shift(node, p.line)
    return node


def _shift(node: JNode, line: int) -> None:
    node.pos = Position(node.pos.line + line, node.pos.column)
    if node.kind == "object":
        for m in node.members:
            m.key_pos = Position(m.key_pos.line + line, m.key_pos.column)
            _shift(m.node, line)
    elif node.kind == "array":
        for i in node.items:
            _shift(i, line)


@dataclass
class _Block:
    kind: str
    labels: list[str]
    body: Tree[Token]
    pos: Position


def _blocks(body: Tree[Token]) -> list[_Block]:
    out = []
    for b in _trees(body):
        if b.data != "block":
            continue
        kids = [c for c in b.children if isinstance(c, Tree | Token)]
        ident = next((c for c in kids if isinstance(c, Tree) and c.data == "identifier"), None)
        labels = []
        for c in kids:
            if isinstance(c, Tree) and c.data == "string":
                labels.append(_unescape("".join(_source(x) for x in c.children if isinstance(x, Tree))))
            elif isinstance(c, Tree) and c.data == "identifier" and c is not ident:
                labels.append(_source(c))
        inner = next((c for c in kids if isinstance(c, Tree) and c.data == "body"), None)
        if ident is None or inner is None:
            continue
        out.append(_Block(_source(ident), labels, inner, _pos(b)))
    return out


def _attributes(body: Tree[Token]) -> dict[str, tuple[Tree[Token], Position]]:
    out = {}
    for a in _trees(body):
        if a.data != "attribute":
            continue
        kids = _trees(a)
        if len(kids) >= 2:
            out[_source(kids[0]).strip()] = (kids[-1], _pos(a))
    return out


def _document_block(block: _Block, ev: _Eval, findings: list[Finding], name: str, address: str) -> JNode:
    """``data "aws_iam_policy_document"`` as the JSON it renders (the data source's documented mapping)."""
    p = block.pos
    attrs = _attributes(block.body)
    members = [JMember("Version", p, evaluate(attrs["version"][0], ev) if "version" in attrs
                       else JNode("2012-10-17", "string", p))]
    for merged in ("source_policy_documents", "override_policy_documents", "source_json", "override_json"):
        if merged in attrs:
            findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"{merged} merges documents parc "
                                    "does not see before a plan; only this block's statements are checked.",
                                    f"{address}.{merged}", attrs[merged][1], name, DOCUMENT_LINK, resource=address))
    statements = []
    for st in (b for b in _blocks(block.body) if b.kind == "statement"):
        sa = _attributes(st.body)
        sm: list[JMember] = []
        for attr, element in (("sid", "Sid"), ("effect", "Effect"), ("actions", "Action"),
                              ("not_actions", "NotAction"), ("resources", "Resource"),
                              ("not_resources", "NotResource")):
            if attr in sa:
                sm.append(JMember(element, sa[attr][1], evaluate(sa[attr][0], ev)))
        if "effect" not in sa:
            sm.append(JMember("Effect", st.pos, JNode("Allow", "string", st.pos)))
        for kind, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            blocks = [b for b in _blocks(st.body) if b.kind == kind]
            if not blocks:
                continue
            pm: list[JMember] = []
            star = False
            for b in blocks:
                ba = _attributes(b.body)
                ptype = evaluate(ba["type"][0], ev) if "type" in ba else JNode("", "string", b.pos)
                ids = evaluate(ba["identifiers"][0], ev) if "identifiers" in ba else JNode([], "array", b.pos)
                if ptype.value == "*":
                    star = True
                    continue
                pm.append(JMember(str(ptype.value), b.pos, ids))
            value = JNode("*", "string", blocks[0].pos) if star and not pm else JNode(pm, "object", blocks[0].pos)
            sm.append(JMember(element, blocks[0].pos, value))
        conds: dict[str, list[JMember]] = {}
        cond_pos = st.pos
        for c in (b for b in _blocks(st.body) if b.kind == "condition"):
            ca = _attributes(c.body)
            if "test" not in ca or "variable" not in ca:
                continue
            test = evaluate(ca["test"][0], ev)
            var = evaluate(ca["variable"][0], ev)
            values = evaluate(ca["values"][0], ev) if "values" in ca else JNode([], "array", c.pos)
            conds.setdefault(str(test.value), []).append(JMember(str(var.value), c.pos, values))
            cond_pos = c.pos
        if conds:
            sm.append(JMember("Condition", cond_pos, JNode([JMember(k, cond_pos, JNode(v, "object", cond_pos))
                                                            for k, v in conds.items()], "object", cond_pos)))
        statements.append(JNode(sm, "object", st.pos))
    members.append(JMember("Statement", p, JNode(statements, "array", p)))
    return JNode(members, "object", p)


def _values(text: str, blocks: bool) -> dict[str, JNode]:
    """``variable "x" { default = ... }`` blocks (``blocks``) or a .tfvars file's ``x = ...``: the literal values."""
    try:
        tree = hcl2.parses_to_tree(text)
    except (LarkError, ValueError):
        return {}
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    if body is None:
        return {}
    out: dict[str, JNode] = {}
    if blocks:
        for b in _blocks(body):
            default = _attributes(b.body).get("default") if b.kind == "variable" and b.labels else None
            if default is not None:
                ev = _Eval()
                value = evaluate(default[0], ev)
                if not ev.opaque:
                    out[b.labels[0]] = value
        return out
    for key, (expr, _) in _attributes(body).items():
        ev = _Eval()
        value = evaluate(expr, ev)
        if not ev.opaque:
            out[key] = value
    return out


def module_variables(name: str, text: str, var_files: Sequence[str] = ()) -> dict[str, JNode]:
    """The input variables Terraform would give the module of ``name`` (the .tf files of its folder), in its order
    of precedence: defaults, terraform.tfvars, *.auto.tfvars (by name), then each ``var_files`` (-var-file)
    (https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence).
    A variable with none of them stays unknown (its uses are said, not checked)."""
    out = _values(text, True)
    folder = Path(name).parent
    try:
        siblings = sorted(p for p in folder.glob("*.tf") if p.name != Path(name).name)
        auto = ([folder / "terraform.tfvars"] if (folder / "terraform.tfvars").is_file() else []) + sorted(
            folder.glob("*.auto.tfvars"))
    except OSError:
        siblings, auto = [], []
    for path in siblings:
        for k, v in _values(_read(path), True).items():
            out.setdefault(k, v)
    for path in [*auto, *(Path(f) for f in var_files)]:
        out.update(_values(_read(path), False))
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def read_hcl(name: str, text: str, variables: Mapping[str, JNode] | None = None) -> IacReport:
    """The policies of a .tf file; ``variables`` None: the module's (``module_variables``)."""
    report = IacReport(name, text, kind="terraform")
    known = module_variables(name, text) if variables is None else variables
    try:
        tree = hcl2.parses_to_tree(text)
    except (LarkError, ValueError) as exc:
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        pos = Position(line, column) if isinstance(line, int) and isinstance(column, int) and line > 0 else None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        f = Finding("IAC_SYNTAX_ERROR", FindingType.ERROR, f"The file is not valid HCL: {first}", "", pos, name,
                    HCL_LINK)
        report.findings = (f,)
        report.unreadable.append(f)
        return report
    findings: list[Finding] = []
    policies: list[EmbeddedPolicy] = []
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    for block in _blocks(body) if body is not None else []:
        if block.kind not in ("resource", "data") or len(block.labels) < 2:
            continue
        rtype, label = block.labels[0], block.labels[1]
        address = f"{'data.' if block.kind == 'data' else ''}{rtype}.{label}"
        ev = _Eval(variables=known)
        if block.kind == "data" and rtype == "aws_iam_policy_document":
            doc = _document_block(block, ev, findings, name, address)
            policies.append(EmbeddedPolicy(address, address, None, doc, opaque=frozenset(ev.opaque)))
            continue
        if block.kind != "resource":
            continue
        attrs = _attributes(block.body)
        if rtype == "aws_lambda_permission":
            values = JNode([JMember(k, p, evaluate(v, ev)) for k, (v, p) in attrs.items()], "object", block.pos)
            ep = lambda_permission_from(address, values)
            policies.append(EmbeddedPolicy(ep.resource, ep.path, ep.policy_type, ep.node, ep.element_paths,
                                           opaque=frozenset(ev.opaque)))
            continue
        for attr, ptype in POLICY_ATTRIBUTES.get(rtype, ()):
            if attr == "inline_policy[].policy":
                sources = [(_attributes(b.body).get("policy"), i) for i, b in
                           enumerate(x for x in _blocks(block.body) if x.kind == "inline_policy")]
                targets = [(s, f"{address}.inline_policy[{i}].policy") for s, i in sources if s is not None]
            else:
                targets = [(attrs[attr], f"{address}.{attr}")] if attr in attrs else []
            for (expr, apos), path in targets:
                ev = _Eval(variables=known)
                doc = evaluate(expr, ev)
                if doc.pos in ev.opaque and doc.kind == "string":
                    if not str(doc.value).startswith("data.aws_iam_policy_document."):
                        findings.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, f"{path} is not written "
                                                "literally here (a reference or a function): parc checks it in a "
                                                "plan (terraform show -json).", path, apos, name, HCL_LINK,
                                                resource=address))
                    continue
                policies.append(EmbeddedPolicy(address, path, ptype, doc, opaque=frozenset(ev.opaque),
                                               implicit_resource=rtype in IMPLICIT_RESOURCE))
    report.policies = policies
    report.findings = tuple(findings)
    return report
