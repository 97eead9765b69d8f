"""The platform's address plan, the same on every cloud: where the platform's services and the research
projects' enclaves live.

Data the API families build networks and firewalls from (providers/) and the CrossGuard policies check plans
against (policies/, run offline by `hdhport check`): one home, below both. Ports are only ever opened from these
private ranges (RFC 1918), never from 0.0.0.0/0.
"""
from __future__ import annotations

PLATFORM_CIDR = "10.20.0.0/16"  # platform services
SERVICES_CIDR = "10.20.0.0/20"
ENCLAVES_CIDR = "10.64.0.0/10"  # one /24 per research project: room for 16,384
