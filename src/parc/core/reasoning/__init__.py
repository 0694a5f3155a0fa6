"""Automated reasoning over policies: prove what they can never allow, or show a request they allow (issue 14).

``check_no_new_access`` (``parc diff``), ``check_access_not_granted`` (``parc never``) and
``check_no_public_access`` (``parc public``) encode policies as SMT formulas (``encode.py``) and ask z3, then cvc5
(``smt.py``). PASS is a proof; every FAIL request is replayed through the concrete engine; anything the encoding
cannot state exactly, and any solver timeout, is UNKNOWN with the reason.
"""

from parc.core.reasoning.checks import check_access_not_granted, check_no_new_access
from parc.core.reasoning.public import RESOURCE_TYPE_SERVICES, check_no_public_access
from parc.core.reasoning.question import ActionIndex, ReplayMismatch
from parc.core.reasoning.result import FAIL, PASS, UNKNOWN, CheckResult, Counterexample
from parc.core.reasoning.text import Unencodable

__all__ = [
    "FAIL",
    "PASS",
    "RESOURCE_TYPE_SERVICES",
    "UNKNOWN",
    "ActionIndex",
    "CheckResult",
    "Counterexample",
    "ReplayMismatch",
    "Unencodable",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
]
