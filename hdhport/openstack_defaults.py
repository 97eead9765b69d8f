"""The names an OpenStack operator creates that the platform uses when a stack names none: the reference cloud's.

Data the OpenStack family's settings (providers/openstack/settings.py) fall back to, and that `hdhport preflight`
asks a real cloud for before the first `pulumi up`: one home, read by both, so the check and the deployment
cannot disagree.
"""
from __future__ import annotations

#: Cinder volume type with front-end LUKS encryption (hdh:encryptedVolumeType).
ENCRYPTED_VOLUME_TYPE = "LUKS"
#: Swift storage policy of the archive container, the operator's cold tier (hdh:archiveStoragePolicy).
ARCHIVE_STORAGE_POLICY = "archive"
#: Keystone's default project role: enough for Swift (as an operator role) and Barbican; never admin
#: (hdh:workloadRoles).
WORKLOAD_ROLES = ("member",)
