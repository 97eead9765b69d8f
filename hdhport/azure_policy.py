"""The platform's own Azure Policy rules, evaluated offline against the resources the same plan creates.

policy_governance assigns Deny rules to the whole subscription; a rule that refuses a resource the program
itself creates stops `pulumi up` (RequestDisallowedByPolicy) on the first run after the assignment lands.
This reads the rules from the plan's PolicyDefinition resources (so it checks what would be deployed, not
a copy) and evaluates the part of Azure Policy's language they use against every planned Azure resource:
`allOf`/`anyOf`/`not`, conditions on `field` (type, location, tags, aliases) and on `value`, with the
operators equals, notEquals, in, notIn, like, notLike, exists, greater, less.

Limits, said rather than guessed:
- An alias `Microsoft.X/type/a.b` is read from the planned inputs at `a.b`, then at `properties.a.b`
  (pulumi-azure-native keeps some resources' properties nested), keys compared without case.
- A resource's ARM type is derived from its token (`azure-native:storage:StorageAccount` ->
  `Microsoft.Storage/storageAccounts`): right for the types the rules name, not for every type.
- Only the template expressions the rules use are understood: `[parameters('name')]` and
  `[contains(resourceGroup(), 'managedBy')]` (false: the plan's resource groups are the program's own).
  Any other expression is reported as not evaluable, never assumed to pass.
- Data-plane modes (Microsoft.KeyVault.Data) are skipped: they apply to secrets, keys and certificates as
  Key Vault writes them, which the planned ones are too (the TLS secrets certificate_management loads carry
  their certificate's expiry for `hdh-secrets-expire`; tests/test_azure_deployable.py checks it apart). Only
  `deny` effects are reported.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hdhport.planner import PlannedResource

DEFINITION = "azure-native:authorization:PolicyDefinition"
SET_DEFINITION = "azure-native:authorization:PolicySetDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
_RESOURCE_MODES = {"all", "indexed"}
_PARAMETER = re.compile(r"^\[parameters\('([^']+)'\)\]$")
_MANAGED_GROUP = "[contains(resourcegroup(), 'managedby')]"
_MISSING = object()
#: Properties pulumi-azure-native names differently from the API (the spec's x-ms-client-name), by ARM type:
#: an alias names the API's property, the planned inputs hold the SDK's name.
_SDK_NAMES = {"microsoft.storage/storageaccounts": {"networkacls": "networkRuleSet"}}


class NotEvaluable(Exception):
    """A rule uses part of the policy language this evaluator does not know."""


@dataclass(frozen=True)
class Refusal:
    """A planned resource that one of the program's own Deny rules refuses."""

    policy: str
    resource: PlannedResource
    arm_type: str


def arm_type(token: str) -> str | None:
    """`azure-native:storage:StorageAccount` -> `Microsoft.Storage/storageAccounts` (case as Azure ignores it)."""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return None
    _, module, name = parts
    return f"Microsoft.{module}/{name[0].lower()}{name[1:]}s"


def _lookup(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted alias path, `[*]` meaning every element; _MISSING when absent."""
    values: list[Any] = [inputs]
    for step in path.split("."):
        every = step.endswith("[*]")
        key = step.removesuffix("[*]").lower()
        found: list[Any] = []
        for value in values:
            if not isinstance(value, Mapping):
                continue
            match = next((inner for name, inner in value.items() if str(name).lower() == key), _MISSING)
            if match is _MISSING:
                continue
            if every:
                found.extend(match if isinstance(match, list) else [])
            else:
                found.append(match)
        values = found
        if not values:
            return _MISSING
    return values if "[*]" in path else values[0]


class _Evaluator:
    def __init__(self, parameters: Mapping[str, Any]) -> None:
        self.parameters = parameters

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.startswith("["):
            return value
        match = _PARAMETER.match(value)
        if match:
            if match.group(1) not in self.parameters:
                raise NotEvaluable(f"parameter '{match.group(1)}' has no value or default")
            return self.parameters[match.group(1)]
        if value.lower().replace(" ", "") == _MANAGED_GROUP.replace(" ", ""):
            return False
        raise NotEvaluable(f"expression {value}")

    def field(self, name: str, resource: PlannedResource, kind: str) -> Any:
        lowered = name.lower()
        if lowered == "type":
            return kind
        if lowered == "location":
            return resource.inputs.get("location", _MISSING)
        if lowered.startswith("tags[") or lowered.startswith("tags."):
            tag = name[5:].strip("[]'\"") if lowered.startswith("tags[") else name[5:]
            return (resource.inputs.get("tags") or {}).get(tag, _MISSING)
        namespace_type, _, path = name.partition("/")
        alias_type, _, alias_path = path.rpartition("/") if "/" in path else ("", "", path)
        prefix = f"{namespace_type}/{alias_type}".lower()
        if not kind.lower().startswith(prefix) or not alias_path:
            return _MISSING
        first, dot, rest = alias_path.partition(".")
        alias_path = _SDK_NAMES.get(kind.lower(), {}).get(first.lower(), first) + dot + rest
        found = _lookup(resource.inputs, alias_path)
        return found if found is not _MISSING else _lookup(resource.inputs.get("properties") or {}, alias_path)

    def holds(self, condition: Mapping[str, Any], resource: PlannedResource, kind: str) -> bool:
        if "allOf" in condition:
            return all(self.holds(inner, resource, kind) for inner in condition["allOf"])
        if "anyOf" in condition:
            return any(self.holds(inner, resource, kind) for inner in condition["anyOf"])
        if "not" in condition:
            return not self.holds(condition["not"], resource, kind)
        if "field" in condition:
            actual = self.field(str(condition["field"]), resource, kind)
        elif "value" in condition:
            actual = self.resolve(condition["value"])
        else:
            raise NotEvaluable(f"condition {sorted(condition)}")
        operators = [key for key in condition if key not in ("field", "value")]
        if len(operators) != 1:
            raise NotEvaluable(f"condition with operators {operators}")
        return self.compare(operators[0], actual, self.resolve(condition[operators[0]]))

    @staticmethod
    def compare(operator: str, actual: Any, expected: Any) -> bool:
        values = actual if isinstance(actual, list) else [actual]
        present = [value for value in values if value is not _MISSING and value is not None]
        text = [str(value).lower() for value in present]
        if operator == "exists":
            return bool(present) == (str(expected).lower() == "true")
        if operator in ("equals", "notEquals"):
            equal = any(str(value).lower() == str(expected).lower() if isinstance(value, str) else value == expected
                        for value in present)
            return equal if operator == "equals" else not equal
        if operator in ("in", "notIn"):
            choices = {str(choice).lower() for choice in expected}
            inside = any(value in choices for value in text)
            return inside if operator == "in" else not inside
        if operator in ("like", "notLike"):
            alike = any(fnmatch.fnmatchcase(value, str(expected).lower()) for value in text)
            return alike if operator == "like" else not alike
        if operator in ("greater", "less"):
            numbers = [value for value in present if isinstance(value, (int, float))]
            return any(value > expected if operator == "greater" else value < expected for value in numbers)
        raise NotEvaluable(f"operator '{operator}'")


def _values(given: Any, scope: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values as an assignment or a set's reference passes them, `[parameters('x')]` read in `scope`."""
    values: dict[str, Any] = {}
    for name, spec in (given or {}).items():
        if isinstance(spec, Mapping) and "value" in spec:
            values[name] = _Evaluator(scope).resolve(spec["value"])
    return values


def _defaults(resource: PlannedResource) -> dict[str, Any]:
    return {name: spec["defaultValue"] for name, spec in (resource.inputs.get("parameters") or {}).items()
            if isinstance(spec, Mapping) and "defaultValue" in spec}


def _enforced(resources: list[PlannedResource]) -> Iterable[tuple[PlannedResource, dict[str, Any]]]:
    """Each definition an assignment enforces, directly or through an initiative, with the parameter values
    that reach it. A definition nobody assigns denies nothing."""
    def key(resource: PlannedResource) -> str:
        return str(resource.outputs.get("id") or f"{resource.name}-id")

    definitions = {key(r): r for r in resources if r.type == DEFINITION}
    sets = {key(r): r for r in resources if r.type == SET_DEFINITION}
    for assignment in (r for r in resources if r.type == ASSIGNMENT):
        target = str(assignment.inputs.get("policyDefinitionId", ""))
        if target in definitions:
            definition = definitions[target]
            yield definition, {**_defaults(definition), **_values(assignment.inputs.get("parameters"), {})}
        elif target in sets:
            initiative = sets[target]
            scope = {**_defaults(initiative), **_values(assignment.inputs.get("parameters"), {})}
            for reference in initiative.inputs.get("policyDefinitions") or []:
                referenced = definitions.get(str(reference.get("policyDefinitionId", "")))
                if referenced is not None:
                    yield referenced, {**_defaults(referenced), **_values(reference.get("parameters"), scope)}


def refusals(resources: list[PlannedResource]) -> tuple[list[Refusal], list[str]]:
    """Every planned Azure resource a Deny rule the same plan assigns refuses, and the rules that could not
    be evaluated (with why)."""
    refused: list[Refusal] = []
    unknown: list[str] = []
    for definition, parameters in _enforced(resources):
        inputs = definition.inputs
        name = str(inputs.get("policyDefinitionName") or definition.name)
        mode = str(inputs.get("mode", "Indexed")).lower()
        if mode not in _RESOURCE_MODES:
            continue
        evaluator = _Evaluator(parameters)
        rule = inputs.get("policyRule") or {}
        try:
            if str(evaluator.resolve((rule.get("then") or {}).get("effect", ""))).lower() != "deny":
                continue
            for resource in resources:
                kind = arm_type(resource.type)
                if not resource.custom or resource.read or kind is None:
                    continue
                if mode == "indexed" and "location" not in resource.inputs:
                    continue  # mode Indexed only looks at resources that carry a location
                if evaluator.holds(rule.get("if") or {}, resource, kind):
                    refused.append(Refusal(name, resource, kind))
        except NotEvaluable as exc:
            unknown.append(f"{name}: {exc}")
    return refused, unknown
