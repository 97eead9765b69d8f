"""Which class implements each catalogue service self-hosted on VMs, for any API family.

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
Every entry is the one provider-neutral class; what differs per service (template, ports, disk,
machine count) lives in providers/selfhosted/specs.py and templates/<service>.yaml.j2.
"""

_SELF_HOSTED = "providers.selfhosted.service:SelfHostedService"
#: Stack settings every family's machines read (their trust anchors), validated with the stack config.
SETTINGS = "providers.selfhosted.settings"

IMPLEMENTATIONS: dict[str, str] = {
    "alerting": _SELF_HOSTED,
    "antimalware": _SELF_HOSTED,
    "archive_storage": _SELF_HOSTED,
    "audit_log": _SELF_HOSTED,
    "backup_vault": _SELF_HOSTED,
    "bastion": _SELF_HOSTED,
    "batch_compute": _SELF_HOSTED,
    "budget_alerts": _SELF_HOSTED,
    "certificate_management": _SELF_HOSTED,
    "container_registry": _SELF_HOSTED,
    "cost_monitoring": _SELF_HOSTED,
    "data_catalogue": _SELF_HOSTED,
    "data_lake": _SELF_HOSTED,
    "ddos_protection": _SELF_HOSTED,
    "directory": _SELF_HOSTED,
    "disk_encryption": _SELF_HOSTED,
    "etl_orchestration": _SELF_HOSTED,
    "event_trigger": _SELF_HOSTED,
    "file_share": _SELF_HOSTED,
    "key_management": _SELF_HOSTED,
    "kubernetes": _SELF_HOSTED,
    "load_balancer": _SELF_HOSTED,
    "log_analytics": _SELF_HOSTED,
    "managed_ad": _SELF_HOSTED,
    "message_queue": _SELF_HOSTED,
    "metrics": _SELF_HOSTED,
    "ml_workspace": _SELF_HOSTED,
    "nat_egress": _SELF_HOSTED,
    "notebook_server": _SELF_HOSTED,
    "object_storage": _SELF_HOSTED,
    "package_mirror": _SELF_HOSTED,
    "perimeter_firewall": _SELF_HOSTED,
    "policy_governance": _SELF_HOSTED,
    "posture_management": _SELF_HOSTED,
    "private_dns": _SELF_HOSTED,
    "relational_database": _SELF_HOSTED,
    "secrets_store": _SELF_HOSTED,
    "secure_file_transfer": _SELF_HOSTED,
    "security_groups": _SELF_HOSTED,
    "siem": _SELF_HOSTED,
    "site_to_site_vpn": _SELF_HOSTED,
    "spark_engine": _SELF_HOSTED,
    "sso_mfa": _SELF_HOSTED,
    "virtual_desktop": _SELF_HOSTED,
    "vulnerability_scanning": _SELF_HOSTED,
    "waf_gateway": _SELF_HOSTED,
    "workflow_automation": _SELF_HOSTED,
}
