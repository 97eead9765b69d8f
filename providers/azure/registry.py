"""Which class implements each catalogue service natively on Azure (pulumi-azure-native).

A plain table, imported without importing any SDK: hdhport.registry loads a class on first use.
"""

IMPLEMENTATIONS: dict[str, str] = {}
