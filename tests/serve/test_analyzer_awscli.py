"""Access Analyzer's operations through the real aws CLI (``--endpoint-url``), as users' scripts call them: every
operation and every parameter, each answer compared with the library's; paging through ``--page-size``; an error
exits 255 (CLI version 1) with the modelled exception's name. The invocations run side by side (the CLI takes a
second to start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from serve_library import CASES, library_answer, server_answer

BY_NAME = {c["name"]: c for c in CASES}

INVOCATIONS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    # (case, CLI command, extra parameters, extra CLI arguments)
    ("validate_locale_accepted", "validate-policy", {}, ["--page-size", "1"]),
    ("validate_trust_policy_as_assume_role_policy_document", "validate-policy", {}, []),
    ("validate_rcp", "validate-policy", {}, ["--max-items", "5"]),
    ("no_new_access_added_action_fails", "check-no-new-access", {}, []),
    ("no_new_access_resource_policy_narrower_passes", "check-no-new-access", {}, []),
    ("not_granted_identity_action_on_other_resource_passes", "check-access-not-granted", {}, []),
    ("not_granted_resource_policy_action_granted_fails", "check-access-not-granted", {}, []),
    ("no_public_access_principal_star_bucket_fails", "check-no-public-access", {}, []),
]

OPERATIONS = {"validate-policy": "ValidatePolicy", "check-no-new-access": "CheckNoNewAccess",
              "check-access-not-granted": "CheckAccessNotGranted", "check-no-public-access": "CheckNoPublicAccess"}


def aws(url: str, command: str, params: dict[str, Any], extra: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "dummy",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": ""}
    argv = [sys.executable, "-m", "awscli", "accessanalyzer", command, "--endpoint-url", url, "--output", "json",
            "--cli-input-json", json.dumps(params), *extra]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture(scope="module")
def cli_results(serve_servers: Any) -> dict[str, subprocess.CompletedProcess[str]]:
    url = serve_servers(("examples/org/111122223333",)).url
    jobs = {name: (command, {**BY_NAME[name]["params"], **params}, extra)
            for name, command, params, extra in INVOCATIONS}
    jobs["error_unreadable_policy"] = ("check-no-new-access", {"newPolicyDocument": "{}",
                                                                  "existingPolicyDocument": "{", "policyType":
                                                                  "IDENTITY_POLICY"}, [])
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(aws, url, *job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("name,command", [(n, c) for n, c, _p, _e in INVOCATIONS],
                         ids=[n for n, _c, _p, _e in INVOCATIONS])
def test_aws_cli_answer_is_the_library_answer(cli_results: dict[str, Any], name: str, command: str) -> None:
    done = cli_results[name]
    assert done.returncode == 0, done.stderr
    op = OPERATIONS[command]
    response = json.loads(done.stdout)
    case = BY_NAME[name]
    assert server_answer(op, response) == library_answer(op, case["params"])
    if "result" in case["expect"]:
        assert response["result"] == case["expect"]["result"]
    if "issueCodes" in case["expect"]:
        assert sorted({f["issueCode"] for f in response["findings"]}) == sorted(case["expect"]["issueCodes"])


def test_aws_cli_error_names_the_exception(cli_results: dict[str, Any]) -> None:
    """The CLI (version 1, from PyPI) exits 255 for a service error and names it (InvalidParameterException for a
    policy parc cannot read)."""
    done = cli_results["error_unreadable_policy"]
    assert done.returncode == 255
    assert "InvalidParameterException" in done.stderr and "JSON syntax error" in done.stderr
