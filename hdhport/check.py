"""The portability gate: everything CI must refuse, checked in phases, each failure named precisely.

Phases: specification (catalogue and profiles valid), registry (catalogue and code agree both ways,
every resource token exists), plan (every deployable profile plans offline), equivalence (same outputs
contract, same controls, open interfaces), policies (the CrossGuard pack over every planned resource),
consistency (the program does not refuse itself: its own Azure Policy Deny rules against its own planned
resources; what a real cloud refused once is caught offline, such as an empty Barbican secret; every Azure
machine sends its logs to the workspace), sovereignty (SecNumCloud profiles depend on nothing outside the EU
jurisdiction).
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdhport import paths, registry, stackfile
from hdhport.errors import InputError
from hdhport.loader import Specification, load_specification
from hdhport.names import PRIVATE_ZONE, RESOLVER_STEM, named_components
from hdhport.yamlsource import Document, load_document

#: What every self-hosted machine calls at boot (providers/selfhosted/bootstrap.py BOOTSTRAP).
MACHINE_BOOT = ("secrets_store", "certificate_management")
#: Where the program's private names are records (Iaas.publish), by family.
DNS_RECORD_TYPES = frozenset({"azure-native:privatedns:PrivateRecordSet", "openstack:dns/recordSet:RecordSet"})

PHASES = ("specification", "registry", "plan", "equivalence", "policies", "consistency", "sovereignty")
DEPLOYABLE_STACKS = ("azure-francecentral", "ovhcloud-public-cloud", "ovhcloud-bare-metal-pod-snc", "openstack-reference",
                     "scaleway-fr-par")
#: Hosts a SecNumCloud platform may depend on: its own private zone, private addresses, loopback.
ALLOWED_HOST = re.compile(r"^(([a-z0-9-]+\.)*hdh\.internal|localhost|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|"
                          r"192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.169\.254|\{[^}]*\})$")
BARBICAN_SECRET = "openstack:keymanager/secretV1:SecretV1"
#: Self-hosted machines the cloud network's DNS names (check_machine_names), and the port that carries the name.
OPENSTACK_INSTANCE = "openstack:compute/instance:Instance"
OPENSTACK_PORT = "openstack:networking/port:Port"
NAMED_SERVER_TYPES = frozenset({OPENSTACK_INSTANCE, "scaleway:instance/server:Server"})
HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_URL = re.compile(r"\b(?:https?|s3|git|oci|docker)://([^/\s:'\"]+)")


@dataclass
class Finding:
    """One check result: a failure (ok False) or a pass, located where the fix belongs."""

    phase: str
    check: str
    profile: str
    service: str
    ok: bool
    message: str = ""
    remediation: str = ""
    file: str = ""
    line: int = 1
    column: int = 1
    rule: str = ""
    resource: str = ""
    warning: bool = False
    """Passes, but says what a deployment would leave undone (a warning of the planned program)."""
    prerequisite: bool = False
    """Passes: what the stack must give before `pulumi up`, which refuses it until then (a blocking prerequisite,
    hdhport/prerequisites.py), or what it leaves to the operator."""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    profile_seconds: dict[str, float] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.ok and f.warning]

    @property
    def prerequisites(self) -> list[Finding]:
        return [f for f in self.findings if f.ok and f.prerequisite]

    @property
    def ok(self) -> bool:
        return not self.failures


class _Locator:
    """Where in the catalogue or a profile a fix belongs (line and column kept by the loader's reader)."""

    def __init__(self, spec_sources: dict[str, str]) -> None:
        self._catalogue = load_document(paths.CATALOGUE)
        self._profiles = {pid: load_document(Path(src)) for pid, src in spec_sources.items()}
        ids = self._catalogue.data.get("services", []) if isinstance(self._catalogue.data, dict) else []
        self._index = {s.get("id"): i for i, s in enumerate(ids) if isinstance(s, dict)}

    def service(self, service: str, family: str | None = None) -> tuple[str, int, int]:
        path: tuple[Any, ...] = ("services", self._index.get(service, 0))
        if family:
            path += ("implementations", family)
        return (_relative(self._catalogue.file), *self._catalogue.where(path))

    def profile(self, profile: str, *path: str) -> tuple[str, int, int]:
        doc: Document | None = self._profiles.get(profile)
        if doc is None:
            return (_relative(str(paths.CATALOGUE)), 1, 1)
        return (_relative(doc.file), *doc.where(tuple(path)))


def _relative(file: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(paths.ROOT))
    except ValueError:
        return file


class Gate:
    def __init__(self, stacks: Iterable[str], catalogue_path: Path = paths.CATALOGUE,
                 profile_paths: Iterable[Path] | None = None) -> None:
        self.stacks = list(stacks)
        self.catalogue_path = catalogue_path
        self.profile_paths = list(profile_paths if profile_paths is not None else paths.shipped_profiles())
        self.report = Report()
        self.spec: Specification | None = None
        self.plans: dict[str, Any] = {}
        self.locate: _Locator | None = None

    def add(self, finding: Finding) -> None:
        self.report.findings.append(finding)

    def timed(self, phase: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        self.report.phase_seconds[phase] = self.report.phase_seconds.get(phase, 0.0) + time.perf_counter() - started

    def run(self) -> Report:
        self.timed("specification", self.check_specification)
        if self.spec is None:
            return self.report
        self.locate = _Locator(self.spec.sources)
        self.timed("registry", self.check_registry)
        self.timed("plan", self.check_plans)
        self.timed("equivalence", self.check_equivalence)
        self.timed("policies", self.check_policies)
        self.timed("consistency", self.check_consistency)
        self.timed("sovereignty", self.check_sovereignty)
        return self.report

    # ------------------------------------------------------------ phases

    def check_specification(self) -> None:
        try:
            self.spec = load_specification(self.catalogue_path, self.profile_paths)
        except InputError as exc:
            for problem in exc.problems:
                self.add(Finding("specification", "valid", "-", problem.path or "-", False, problem.message,
                                 "fix the file at the position given", _relative(problem.file), problem.line,
                                 problem.column, "specification-valid"))
            return
        self.add(Finding("specification", "valid", "-", "-", True))

    def check_registry(self) -> None:
        from hdhport.tokens import unresolved

        assert self.spec and self.locate
        agreement = registry.agreement(self.spec.catalogue)
        missing = set(agreement.missing)
        unexpected = set(agreement.unexpected)
        implemented = registry.keys()
        for service in self.spec.catalogue.services:
            for family in (*registry.API_FAMILIES, registry.SELF_HOSTED):
                key = (service.id, family)
                where = self.locate.service(service.id, None if family == registry.SELF_HOSTED else family)
                if key in missing:
                    self.add(Finding("registry", "implemented", family, service.id, False,
                                     f"the catalogue promises a '{family}' implementation; the registry has none",
                                     f"add it to providers/{family}/registry.py, or change the catalogue's kind",
                                     *where, "registry-agreement"))
                elif key in unexpected:
                    self.add(Finding("registry", "declared", family, service.id, False,
                                     f"the registry has a '{family}' implementation the catalogue does not declare",
                                     "declare it in services_catalog.yaml or remove it from the registry",
                                     *where, "registry-agreement"))
                elif key in implemented:
                    self.add(Finding("registry", "implemented", family, service.id, True))
            for family in registry.API_FAMILIES:
                bad = unresolved(service.implementation(family).resources)
                where = self.locate.service(service.id, family)
                self.add(Finding("registry", "tokens", family, service.id, not bad,
                                 f"unknown resource type token(s): {', '.join(bad)}" if bad else "",
                                 "use a token of the installed SDK (see hdhport catalog show)", *where,
                                 "resource-token"))

    def check_plans(self) -> None:
        from hdhport import planner
        from hdhport.resolve import GapError
        from hdhport.stack_config import ConfigError

        assert self.spec and self.locate
        for stack in self.stacks:
            started = time.perf_counter()
            source = stackfile.read(stack)
            config = dict(source.config)
            config["hdh:enclaves"] = 1
            profile = str(config.get("hdh:profile", stack))
            self.check_stack_secrets(source, profile)
            try:
                result = planner.run(stack, config)
            except (ConfigError, GapError, InputError, LookupError) as exc:
                self.add(Finding("plan", "plans", profile, "-", False, str(exc),
                                 "fix the stack config, or implement the missing services",
                                 f"Pulumi.{stack}.yaml", 1, 1, "plan-offline"))
                continue
            finally:
                self.report.profile_seconds[stack] = time.perf_counter() - started
            self.plans[stack] = result
            self.report.resources[stack] = sum(1 for r in result.resources if r.custom)
            for warning in dict.fromkeys(result.warnings):  # once each, in the program's order
                self.add(Finding("plan", "warning", profile, "-", True, warning,
                                 "see the warning; it does not fail the gate", f"Pulumi.{stack}.yaml", 1, 1,
                                 "plan-warning", warning=True))
            for need in result.prerequisites:
                self.add(Finding("plan", "prerequisite" if need.blocking else "operator-step", profile,
                                 ", ".join(need.needed_by), True, need.describe(),
                                 "give it in the stack (pulumi config set) before `pulumi up`" if need.blocking
                                 else "the stack states it", f"Pulumi.{stack}.yaml", 1, 1, "plan-prerequisite",
                                 prerequisite=True))
            for service_id, resolution in result.stack_outputs.get("resolutions", {}).items():
                if resolution["way"] == "gap":
                    where = self.locate.profile(profile, "offers", service_id)
                    self.add(Finding("plan", "resolved", profile, service_id, True,
                                     f"allowed gap: {resolution['reason']}", "", *where, "plan-offline"))
                else:
                    self.add(Finding("plan", "resolved", profile, service_id, True))

    def check_stack_secrets(self, source: stackfile.StackFile, profile: str) -> None:
        """A secret in a stack file is a Pulumi secret (`pulumi config set --secret`, stored as `secure: v1:...`),
        never text in the repository: a key the program reads as a secret (its name says so, as the plan's
        redaction reads it) or a value holding a credential (a private key, a password in a URL, a signature)."""
        from hdhport.plan_report import is_secret_key, redact_text

        clear = []
        for key, value in source.config.items():
            if isinstance(value, dict) and len(value) == 1 and "secure" in value:
                continue
            text = value if isinstance(value, str) else json.dumps(value)
            named = is_secret_key(key) and bool(text.strip())
            if named or redact_text(text) != text:
                clear.append(key)
                why = "the program reads it as a secret" if named else "its value holds a credential"
                self.add(Finding("plan", "secrets", profile, "-", False,
                                 f"{key} is in clear in {source.file} ({why})",
                                 f"store it encrypted: pulumi config set --secret {key} (the file then holds "
                                 "`secure: v1:...`)", source.file, *source.where(key), "no-secret-in-clear"))
        if not clear:
            self.add(Finding("plan", "secrets", profile, "-", True))

    def check_equivalence(self) -> None:
        from hdhport.model import OUTPUT_KEYS

        assert self.spec and self.locate
        catalogue = self.spec.catalogue
        for stack, result in self.plans.items():
            profile = str(result.stack_outputs.get("profile", stack))
            family = self.spec.profiles[profile].api_family if profile in self.spec.profiles else ""
            for service_id, outputs in (result.stack_outputs.get("services") or {}).items():
                keys = sorted(outputs)
                ok = keys == sorted(OUTPUT_KEYS)
                self.add(Finding("equivalence", "outputs-contract", profile, service_id, ok,
                                 "" if ok else f"exports {keys}, not the contract {sorted(OUTPUT_KEYS)}",
                                 "return (endpoint, key_ref) from build(); ServiceComponent exports the contract",
                                 *self.locate.service(service_id, family or None), "outputs-contract"))
        for service in catalogue.services:
            for family in registry.API_FAMILIES:
                impl = service.implementation(family)
                offered = impl.interfaces
                proprietary_only = offered is not None and not set(offered) & set(service.interfaces)
                message = (f"the {family} implementation offers only {', '.join(offered or [])}, not the open "
                           f"{', '.join(service.interfaces)}") if proprietary_only else ""
                if proprietary_only and impl.waiver:
                    message = f"{message} (waived: {impl.waiver})"
                self.add(Finding("equivalence", "open-interface", family, service.id,
                                 not proprietary_only or bool(impl.waiver), message,
                                 "offer the open interface (a gateway or another product), or state a `waiver` "
                                 "saying why applications may use the proprietary one",
                                 *self.locate.service(service.id, family), "open-interface"))

    def check_policies(self) -> None:
        from hdhport.policy_runner import evaluate

        assert self.spec and self.locate
        for stack, result in self.plans.items():
            profile = str(result.stack_outputs.get("profile", stack))
            family = self.spec.profiles[profile].api_family if profile in self.spec.profiles else None
            violations = evaluate(result.resources)
            failed_services = set()
            for violation in violations:
                service = violation.service or "-"
                failed_services.add(service)
                self.add(Finding("policies", violation.policy, profile, service, False,
                                 f"{violation.name} ({violation.type}): {violation.message}", violation.remediation,
                                 *self.locate.service(service, family), violation.policy, violation.urn))
            for service in result.stack_outputs.get("services") or {}:
                if service not in failed_services:
                    self.add(Finding("policies", "all-policies", profile, service, True))

    def check_consistency(self) -> None:
        from hdhport.azure_policy import refusals
        from hdhport.policy_runner import service_of

        assert self.spec and self.locate
        for stack, result in self.plans.items():
            profile = str(result.stack_outputs.get("profile", stack))
            family = self.spec.profiles[profile].api_family if profile in self.spec.profiles else None
            by_urn = result.by_urn()
            empty_secrets = 0
            for resource in result.resources:
                # Found against a real Barbican (make e2e, 2026-12-02): pulumi-openstack uploads a secret's
                # payload as it creates it, and Barbican answers 415 to an empty one.
                if resource.type == BARBICAN_SECRET and resource.custom and not resource.inputs.get("payload"):
                    empty_secrets += 1
                    service = service_of(resource, by_urn) or "-"
                    self.add(Finding("consistency", "barbican-secret-payload", profile, service, False,
                                     f"{resource.name} ({resource.type}) has no payload: pulumi-openstack uploads "
                                     "it at creation and Barbican refuses an empty one (415)",
                                     "have Barbican generate it (an order), or load it from a Pulumi secret",
                                     *self.locate.service(service, family), "barbican-secret-payload",
                                     resource.urn))
            if family == "openstack" and not empty_secrets:
                self.add(Finding("consistency", "barbican-secret-payload", profile, "secrets_store", True))
            self.check_machine_boot(profile, family, result.stack_outputs)
            self.check_private_names(profile, family, result)
            self.check_machine_names(profile, family, result)
            self.check_admin_path(profile, family, result)
            self.check_install_source(profile, family, result)
            if family == "scaleway":
                self.check_bucket_access(profile, family, result)
            if family != "azure":
                continue
            self.check_machine_logs(profile, family, result)
            refused, unknown = refusals(result.resources)
            for refusal in refused:
                service = service_of(refusal.resource, by_urn) or "-"
                self.add(Finding("consistency", "own-azure-policy", profile, service, False,
                                 f"{refusal.resource.name} ({refusal.arm_type}) is refused by the platform's own "
                                 f"Deny rule {refusal.policy} (RequestDisallowedByPolicy once it is assigned)",
                                 "change the resource, or state the exception in the rule (policy_governance)",
                                 *self.locate.service(service, family), "own-azure-policy", refusal.resource.urn))
            for reason in unknown:
                self.add(Finding("consistency", "own-azure-policy", profile, "policy_governance", False,
                                 f"rule not evaluable offline: {reason}",
                                 "use the part of the policy language hdhport/azure_policy.py evaluates",
                                 *self.locate.service("policy_governance", family), "own-azure-policy"))
            if not refused and not unknown:
                self.add(Finding("consistency", "own-azure-policy", profile, "policy_governance", True))

    def check_machine_boot(self, profile: str, family: str | None, outputs: dict[str, Any]) -> None:
        """Every self-hosted machine logs in to OpenBao and asks step-ca for its certificate at boot
        (providers/selfhosted/bootstrap.py): the plan must build both, as the services themselves or as the
        machines' own (`machine_trust`), or its machines wait forever."""
        assert self.locate
        resolutions: dict[str, Any] = outputs.get("resolutions") or {}
        built = outputs.get("services") or {}
        machines = [sid for sid in built if (resolutions.get(sid) or {}).get("way") == "self-hosted"]
        if not machines:
            return
        trust = outputs.get("machine_trust") or {}
        for service in MACHINE_BOOT:
            answered = service in trust or (service in built and resolutions[service]["way"] == "self-hosted")
            self.add(Finding("consistency", "machine-boot", profile, service, answered,
                             "" if answered else
                             f"the machines of {len(machines)} self-hosted service(s) call the self-hosted {service} "
                             "at boot, and the plan builds none: they would wait forever",
                             "" if answered else "build it for the machines (providers/selfhosted/bootstrap.py)",
                             *self.locate.service(service, family), "machine-boot"))

    def check_machine_logs(self, profile: str, family: str | None, result: Any) -> None:
        """Every Azure machine the plan builds sends its logs to the platform workspace (hdhport/machine_logs.py):
        virtual machines (self-hosted, research, session hosts) through the Azure Monitor Agent and their rule
        and endpoint associations, the AKS cluster through Container insights; a Batch pool, whose nodes Azure
        gives no association, is reported as that limitation."""
        from hdhport.machine_logs import verdicts
        from hdhport.policy_runner import service_of

        assert self.locate
        by_urn = result.by_urn()
        found = verdicts(result.resources)
        for verdict in found:
            if not verdict.missing and not verdict.limitation:
                continue
            service = service_of(verdict.machine, by_urn) or "-"
            self.add(Finding("consistency", "machine-logs", profile, service, not verdict.missing, verdict.message,
                             "install the Azure Monitor Agent and associate the machine with its rule and the data "
                             "collection endpoint (providers/azure/log_analytics.py collect_machine_logs)"
                             if verdict.missing else "", *self.locate.service(service, family), "machine-logs",
                             verdict.machine.urn))
        if not any(v.missing for v in found):
            self.add(Finding("consistency", "machine-logs", profile, "log_analytics", True))

    def check_private_names(self, profile: str, family: str | None, result: Any) -> None:
        """Every platform service a machine calls as `<label>.hdh.internal` answers there: a record the plan
        creates where private_dns is native (Iaas.publish), else the machine 0 its self-hosted recursors name
        it after (templates/private_dns.yaml.j2), with those recursors built."""
        from hdhport.install_source import USER_DATA  # what boots a machine, on each family

        assert self.locate
        outputs = result.stack_outputs
        resolutions: dict[str, Any] = outputs.get("resolutions") or {}
        named = named_components(outputs)
        if not named:
            return
        custom = [r for r in result.resources if r.custom]
        dns = (resolutions.get("private_dns") or {}).get("way")
        records = {r.name for r in custom if r.type in DNS_RECORD_TYPES}
        servers = {r.name for r in custom if r.type in USER_DATA}
        recursors = dns == "self-hosted" and {f"{RESOLVER_STEM}-0", f"{RESOLVER_STEM}-1"} <= servers
        for service, component in sorted(named.items()):
            label = service.replace("_", "-")
            if dns == "native":
                answered, how = f"{label}-name" in records, f"no record {label}-name in the native private zone"
            else:
                machine = re.compile(rf"{re.escape(component)}-[a-z0-9]+-0")
                answered = bool(recursors) and any(machine.fullmatch(name) for name in servers)
                how = (f"private_dns is {dns or 'absent'}: nothing answers" if dns != "self-hosted" else
                       "the self-hosted recursors are not built" if not recursors else
                       f"no machine {component}-<role>-0 for the recursors to name")
            self.add(Finding("consistency", "private-names", profile, service, answered,
                             "" if answered else f"machines call {label}.{PRIVATE_ZONE}: {how}",
                             "" if answered else "publish the name (Iaas.publish) or build private_dns",
                             *self.locate.service(service, family), "private-names"))

    def check_machine_names(self, profile: str, family: str | None, result: Any) -> None:
        """Self-hosted machines find their cluster peers and the private-name recursors by machine name, which
        the cloud network's DNS answers: on OpenStack the port must carry the machine's name (Neutron's DNS
        integration; Nova refuses a port whose name differs from the server's hostname), and every name must
        be a hostname the network can answer (one DNS label: lower-case letters, digits and hyphens, at most
        63 characters)."""
        assert self.locate
        custom = [r for r in result.resources if r.custom]
        ports = {r.name: r for r in custom if r.type == OPENSTACK_PORT}
        for server in (r for r in custom if r.type in NAMED_SERVER_TYPES):
            host = str(server.inputs.get("name") or "")
            port = ports.get(f"{server.name}-port")
            if server.type == OPENSTACK_INSTANCE and port is None:
                continue  # not a self-hosted machine (research machines are reached by address)
            problems = [] if HOST_LABEL.fullmatch(host) else [f"its name {host!r} is not one DNS label"]
            if port is not None and port.inputs.get("dnsName") != host:
                problems.append(f"its port {port.name} carries dns_name {port.inputs.get('dnsName')!r}, not {host!r}")
            self.add(Finding("consistency", "machine-names", profile, server.name, not problems,
                             f"machine {server.name}: {'; '.join(problems)}: its peers cannot find it by name"
                             if problems else "",
                             "" if not problems else "name the machine with a hostname and give its port that name "
                             "(providers/<family>/iaas.py servers)",
                             *self.locate.service("private_dns", family), "machine-names"))

    def check_admin_path(self, profile: str, family: str | None, result: Any) -> None:
        """Every research machine lets SSH and RDP in from where the bastion's sessions start, through every
        firewall on its way (hdhport/admin_path.py)."""
        from hdhport.admin_path import verdicts

        found = verdicts(result.resources, family)
        self.per_machine("admin-path", profile, family, "bastion", bool(found), [
            (v.machine, f"research machine {v.machine.name}: {'; '.join(v.problems)}: the plan deploys, and nobody "
                        "can log in") for v in found if v.problems],
            "admit SSH and RDP from the bastion's range (providers/selfhosted/iaas.py ADMIN_SOURCE, resolved by each "
            "family's firewall)")

    def check_install_source(self, profile: str, family: str | None, result: Any) -> None:
        """Every machine booted from the platform's base reaches the one source it installs from: the artefact
        mirror through the platform's egress, or, in an enclave, package_mirror's relay (hdhport/install_source.py)."""
        from hdhport.install_source import verdicts

        found = verdicts(result.resources, family, result.stack_outputs, result.config)
        self.per_machine("install-source", profile, family, "package_mirror", bool(found), [
            (v.machine, f"{v.machine.name} installs from {v.source}: {v.problem}: it would boot and install nothing")
            for v in found if v.problem],
            "build what it installs through (package_mirror, nat_egress, the perimeter firewall's rule for the mirror: "
            "providers/azure/perimeter_firewall.py _artefact_mirror)")

    def per_machine(self, check: str, profile: str, family: str | None, service: str, checked: bool,
                    faults: list[tuple[Any, str]], fix: str) -> None:
        """A consistency check read machine by machine: one failure per machine it faults, located at the catalogue
        entry of `service`, else one pass when it `checked` any machine."""
        assert self.locate
        for machine, message in faults:
            self.add(Finding("consistency", check, profile, machine.name, False, message, fix,
                             *self.locate.service(service, family), check, machine.urn))
        if checked and not faults:
            self.add(Finding("consistency", check, profile, service, True))

    def check_bucket_access(self, profile: str, family: str | None, result: Any) -> None:
        """Every Scaleway bucket policy keeps its bucket reachable by the deployment and its scope's workload
        identity, and by no other scope's (hdhport/bucket_access.py)."""
        from hdhport.bucket_access import verdicts
        from hdhport.policy_runner import service_of

        assert self.locate
        by_urn = result.by_urn()
        found = verdicts(result.resources)
        for verdict in found:
            if not verdict.problems:
                continue
            service = service_of(verdict.policy, by_urn) or "-"
            self.add(Finding("consistency", "bucket-access", profile, service, False,
                             f"bucket policy {verdict.policy.name}: {'; '.join(verdict.problems)}",
                             "allow the deployer (s3:*) and the scope's workload identity in the policy "
                             "(providers/scaleway/object_storage.py bucket_policy)",
                             *self.locate.service(service, family), "bucket-access", verdict.policy.urn))
        if found and not any(v.problems for v in found):
            self.add(Finding("consistency", "bucket-access", profile, "object_storage", True))

    def check_sovereignty(self) -> None:
        assert self.spec and self.locate
        for stack, result in self.plans.items():
            profile_id = str(result.stack_outputs.get("profile", stack))
            profile = self.spec.profiles.get(profile_id)
            if profile is None or profile.qualifications.secnumcloud.status != "qualified":
                continue
            clean = True
            for resource in result.resources:
                for host, path in _hosts(resource.inputs):
                    if ALLOWED_HOST.match(host):
                        continue
                    clean = False
                    service = resource.outputs.get("service") if resource.outputs else None
                    self.add(Finding("sovereignty", "external-dependency", profile_id, service or "-", False,
                                     f"{resource.name} ({resource.type}) depends on {host} (in {path}), outside the "
                                     "provider and the project's mirror",
                                     "serve it from the platform's package mirror (mirror.hdh.internal)",
                                     *self.locate.profile(profile_id, "offers"), "sovereignty", resource.urn))
            backend = _pulumi_backend()
            if backend and "api.pulumi.com" in backend:
                clean = False
                self.add(Finding("sovereignty", "state-backend", profile_id, "-", False,
                                 f"Pulumi.yaml uses the SaaS backend {backend}, outside the EU jurisdiction",
                                 "use a self-managed backend on the target cloud (docs/operations.md)",
                                 "Pulumi.yaml", 1, 1, "sovereignty"))
            if clean:
                self.add(Finding("sovereignty", "external-dependency", profile_id, "-", True))


def _hosts(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _hosts(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _hosts(inner, f"{path}[{index}]")
    elif isinstance(value, str):
        for match in _URL.finditer(value):
            yield match.group(1).lower(), path


def _pulumi_backend() -> str | None:
    data = load_document(paths.ROOT / "Pulumi.yaml", "Pulumi.yaml", pulumi=True).data
    backend = data.get("backend") or {}
    return backend.get("url") if isinstance(backend, dict) else None


def check(stacks: Iterable[str] | None = None) -> Report:
    """Run the gate over the given stacks (default: every deployable one)."""
    return Gate(list(stacks) if stacks else list(DEPLOYABLE_STACKS)).run()
