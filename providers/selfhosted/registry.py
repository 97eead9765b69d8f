"""Which class implements each catalogue service self-hosted on VMs, for any API family.

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
"""

IMPLEMENTATIONS: dict[str, str] = {}
