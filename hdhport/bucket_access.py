"""Who can reach each bucket, where the object store keeps its own access list (Scaleway bucket policies).

Scaleway's bucket policies (version 2023-04-17) allow only what they allow: a bucket with a policy is lost
to every principal it does not name but the organization's owner ("Bucket policies overview", validated
2025-07-30). A policy written only to refuse plain HTTP would lock out the deployment itself (its next
`pulumi up` or refresh cannot read the bucket's configuration) and every workload. So, in a plan, each
bucket policy must let the deploying principal do everything, let its own scope's workload identity in
where one is built, and name no other scope's workload.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hdhport.planner import MOCK_CALLS, PlannedResource, mock_id

BUCKET_POLICY = "scaleway:object/bucketPolicy:BucketPolicy"
APPLICATION = "scaleway:iam/application:Application"
ENCLAVE = "hdh:workspace:Enclave"
#: The workload identity's IAM application, by the name its component gives it (providers/scaleway).
WORKLOAD_APPLICATION_SUFFIX = "workload-identity-application"
#: Who deploys, as the offline plan knows it: the application the mock IAM look-up answers for the API key.
_ANSWER = MOCK_CALLS["scaleway:iam/getApiKey:getApiKey"]
DEPLOYER = "application_id:" + str((_ANSWER() if callable(_ANSWER) else _ANSWER)["applicationId"])


@dataclass(frozen=True)
class Verdict:
    policy: PlannedResource
    problems: tuple[str, ...]


def verdicts(resources: Iterable[PlannedResource]) -> list[Verdict]:
    """One verdict per bucket policy of the plan."""
    resources = list(resources)
    by_urn = {r.urn: r for r in resources}
    workloads = {f"application_id:{mock_id(r.name)}": _scope(r, by_urn) for r in resources
                 if r.custom and r.type == APPLICATION and r.name.endswith(WORKLOAD_APPLICATION_SUFFIX)}
    found = []
    for policy in (r for r in resources if r.custom and r.type == BUCKET_POLICY):
        scope = _scope(policy, by_urn)
        found.append(Verdict(policy, tuple(_problems(policy.inputs.get("policy"), scope, workloads))))
    return found


def _problems(text: Any, scope: str, workloads: dict[str, str]) -> list[str]:
    try:
        document = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return ["its policy is not a JSON document the plan can read"]
    allowed: dict[str, set[str]] = {}
    for statement in document.get("Statement") or []:
        if not isinstance(statement, dict) or str(statement.get("Effect", "")).lower() != "allow":
            continue
        actions = statement.get("Action")
        principal = statement.get("Principal")
        names = principal.get("SCW") if isinstance(principal, dict) else principal
        for name in names if isinstance(names, list) else [names]:
            if isinstance(name, str):
                allowed.setdefault(name, set()).update(actions if isinstance(actions, list) else [str(actions)])
    problems = []
    if "*" in allowed:
        problems.append("it allows everyone (Principal \"*\")")
    if not allowed.get(DEPLOYER, set()) & {"s3:*", "*"}:
        problems.append("it does not allow the deploying principal every action: the bucket is lost to the "
                        "deployment (its next `pulumi up` or refresh) and kept by the organization's owner only")
    own = [principal for principal, owner in workloads.items() if owner == scope]
    if own and not any(principal in allowed for principal in own):
        problems.append(f"it does not name the workload identity of {scope}: its workloads cannot reach their bucket")
    strangers = sorted(workloads[p] for p in allowed if p in workloads and workloads[p] != scope)
    if strangers:
        problems.append(f"it opens the bucket of {scope} to the workload identity of {', '.join(strangers)}")
    return problems


def _scope(resource: PlannedResource, by_urn: dict[str, PlannedResource]) -> str:
    """The research project whose enclave holds the resource, else the platform."""
    seen = resource
    while seen.parent in by_urn:
        seen = by_urn[seen.parent]
        if seen.type == ENCLAVE:
            return seen.name
    return "platform"
