"""Which class implements each catalogue service natively on OpenStack (pulumi-openstack).

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
"""

IMPLEMENTATIONS: dict[str, str] = {}
