"""IAM's Query API over parc's engine and the loaded snapshots: the policy simulator and the read calls.

``handle_query(body, estates)`` takes the form body of one POST and returns the answer the server writes as it is.
It never raises: a request AWS would refuse gets AWS's ``ErrorResponse`` (botocore raises the modeled exception), and
an internal failure is a 500 ``ServiceFailure`` in the same shape (and a bug to fix).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from parc.server.iam.protocol import (
    API_VERSION,
    XML_CONTENT_TYPE,
    QueryError,
    QueryResponse,
    query_error,
    read_form,
    read_input,
    serialize_output,
    service_model,
)

if TYPE_CHECKING:
    from parc.core.account.model import Estate

__all__ = ["QueryResponse", "handle_query", "operations", "query_error"]

Handler = Callable[[Mapping[str, Any], Sequence["Estate"]], Mapping[str, Any]]


def operations() -> dict[str, Handler]:
    """The operations served, by Action name."""
    from parc.server.iam import context_keys, principal, reads, simulate

    ops: dict[str, Handler] = {
        "SimulateCustomPolicy": lambda params, _estates: simulate.simulate_custom(params),
        "SimulatePrincipalPolicy": principal.simulate_principal,
        "GetContextKeysForCustomPolicy": context_keys.context_keys_custom,
        "GetContextKeysForPrincipalPolicy": context_keys.context_keys_principal,
    }
    ops.update(reads.OPERATIONS)
    return ops


_OPS: dict[str, Handler] | None = None


def handle_query(body: bytes, estates: Sequence[Estate]) -> QueryResponse:
    """Answer one IAM Query request (the POST body) over ``estates``."""
    global _OPS
    try:
        if _OPS is None:
            _OPS = operations()
        form = read_form(body)
        action = form.get("Action")
        if not action:
            raise QueryError("MissingAction", "The request must contain the parameter Action.")
        version = form.get("Version")
        if version is None:
            raise QueryError("MissingParameter", "The request must contain the parameter Version.")
        if version != API_VERSION:
            raise QueryError("InvalidAction", f"Could not find operation {action} for version {version}.")
        handler = _OPS.get(action)
        model = service_model()
        if handler is None:
            known = action in model.operation_names
            raise QueryError("InvalidAction", f"Could not find operation {action} for version {version}." + (
                " (parc serves the policy simulator and the read calls; this operation is not one of them.)"
                if known else ""))
        operation = model.operation_model(action)
        params = read_input(operation, form)
        result = handler(params, estates)
        return QueryResponse(200, serialize_output(operation, result), XML_CONTENT_TYPE)
    except QueryError as exc:
        return query_error(exc.status, exc.code, exc.message)
    except RecursionError:
        return query_error(400, "MalformedQueryString", "The request nests parameters too deeply.")
    except Exception as exc:  # never raise: the server answers every request in AWS's shape
        return query_error(500, "ServiceFailure", f"parc could not answer this request ({type(exc).__name__}: "
                           f"{exc}). This is a bug in parc: please report it with the request.")
