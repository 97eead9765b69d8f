"""Run the CrossGuard policy objects offline over a recorded plan, as `pulumi preview --policy-pack` would.

There is no official harness (pulumi-policy#445): we build the same ResourceValidationArgs and
StackValidationArgs the analyzer builds and call each policy's validate functions.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hdhport.planner import PlannedResource


@dataclass(frozen=True)
class Violation:
    policy: str
    urn: str
    name: str
    type: str
    message: str
    remediation: str
    controls: tuple[str, ...]
    service: str | None


def _options(resource: PlannedResource) -> Any:
    from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions

    return PolicyResourceOptions(protect=resource.protect, ignore_changes=[], delete_before_replace=None,
                                 aliases=[], custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
                                 additional_secret_outputs=[], parent=resource.parent or None)


def _call(validate: Any, args: Any, report: Any) -> None:
    for function in validate if isinstance(validate, list) else [validate]:
        result = function(args, report)
        if inspect.isawaitable(result):
            raise TypeError("hdhport's policies are synchronous")


def service_of(resource: PlannedResource, by_urn: dict[str, PlannedResource]) -> str | None:
    """The catalogue service owning a resource: the hdh component at the top of its parent chain."""
    current: PlannedResource | None = resource
    top = None
    while current is not None:
        if current.type.startswith("hdh:") and current.type != "hdh:workspace:Enclave":
            top = current
        current = by_urn.get(current.parent)
    return top.outputs.get("service") if top is not None and top.outputs else None


def evaluate(resources: Sequence[PlannedResource], policies: Sequence[Any] | None = None) -> list[Violation]:
    """Every violation of every policy over the custom resources of a plan."""
    from pulumi_policy import PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs

    from policies.hdh_policies import ALL_POLICIES

    chosen = list(ALL_POLICIES if policies is None else policies)
    by_urn = {r.urn: r for r in resources}
    custom = [r for r in resources if r.custom]
    violations: list[Violation] = []

    def reporter(policy: Any, default: PlannedResource | None) -> Any:
        def report(message: str, urn: str | None = None) -> None:
            target = by_urn.get(urn or "", default)
            violations.append(Violation(
                policy=policy.name, urn=target.urn if target else (urn or ""), name=target.name if target else "",
                type=target.type if target else "", message=message, remediation=policy.remediation_steps or "",
                controls=tuple(policy.tags or ()), service=service_of(target, by_urn) if target else None))
        return report

    # One set of options per resource, not one per resource and policy: the policies only read them.
    options = {r.urn: _options(r) for r in custom}
    for policy in chosen:
        if isinstance(policy, ResourceValidationPolicy):
            for resource in custom:
                args = ResourceValidationArgs(resource.type, resource.inputs, resource.urn, resource.name,
                                              options[resource.urn], None)
                _call(policy.validate, args, reporter(policy, resource))
    stack_policies = [p for p in chosen if not isinstance(p, ResourceValidationPolicy)]
    if stack_policies:
        nodes = {r.urn: PolicyResource(r.type, r.inputs, r.urn, r.name, _options(r), None, None, [], {})
                 for r in resources}
        for resource in resources:
            nodes[resource.urn].parent = nodes.get(resource.parent)
            nodes[resource.urn].dependencies = [nodes[d] for d in resource.dependencies if d in nodes]
        stack_args = StackValidationArgs([nodes[r.urn] for r in custom])
        for policy in stack_policies:
            _call(policy.validate, stack_args, reporter(policy, None))
    return violations
