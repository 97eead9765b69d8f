"""hdhport/bucket_access.py: who a Scaleway bucket policy lets in, read from the plan (consistency/bucket-access)."""
from __future__ import annotations

import json

import pytest

from hdhport.bucket_access import DEPLOYER, _problems

OWN, OTHER = "application_id:project-001-app-id", "application_id:project-002-app-id"
WORKLOADS = {OWN: "project-001", OTHER: "project-002"}


def policy(*statements: tuple[object, object]) -> str:
    return json.dumps({"Version": "2023-04-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": ["b", "b/*"]}
        for principal, action in statements]})


def test_the_deployer_and_the_own_workload_are_all_a_policy_needs() -> None:
    assert _problems(policy(({"SCW": DEPLOYER}, "s3:*"), ({"SCW": OWN}, ["s3:GetObject"])), "project-001",
                     WORKLOADS) == []
    # "*" is every action, as Scaleway's global actions say; principals may come as a list.
    assert _problems(policy(({"SCW": [DEPLOYER, OWN]}, "*")), "project-001", WORKLOADS) == []


@pytest.mark.parametrize(("statements", "expected"), [
    ([({"SCW": OWN}, "s3:*")], "it does not allow the deploying principal every action"),
    ([({"SCW": DEPLOYER}, ["s3:GetObject"]), ({"SCW": OWN}, "s3:*")],
     "it does not allow the deploying principal every action"),
    ([({"SCW": DEPLOYER}, "s3:*")], "it does not name the workload identity of project-001"),
    ([({"SCW": DEPLOYER}, "s3:*"), ({"SCW": [OWN, OTHER]}, "s3:GetObject")],
     "it opens the bucket of project-001 to the workload identity of project-002"),
    ([({"SCW": DEPLOYER}, "s3:*"), ({"SCW": OWN}, "s3:GetObject"), ("*", "s3:GetObject")],
     'it allows everyone (Principal "*")'),
])
def test_a_policy_that_locks_out_or_opens_up_is_named(statements: list[tuple[object, object]], expected: str) -> None:
    found = _problems(policy(*statements), "project-001", WORKLOADS)
    assert any(problem.startswith(expected) for problem in found), found


def test_deny_statements_grant_nothing_and_an_unreadable_policy_is_said() -> None:
    deny_only = json.dumps({"Version": "2023-04-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["b", "b/*"]}]})
    assert _problems(deny_only, "platform", {})[0].startswith("it does not allow the deploying principal")
    assert _problems("{not json", "platform", {}) == ["its policy is not a JSON document the plan can read"]
