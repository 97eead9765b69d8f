"""Entry point of the policy pack: `pulumi preview --policy-pack policies/`.

Building a PolicyPack starts the analyzer's gRPC server and blocks, so it lives here only; the
policies themselves are importable from policies.hdh_policies (hdhport check runs them offline).
"""
from pulumi_policy import EnforcementLevel, PolicyPack

from policies.hdh_policies import ALL_POLICIES

PolicyPack(
    name="hdhport",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(ALL_POLICIES),
)
