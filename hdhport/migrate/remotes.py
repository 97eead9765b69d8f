"""The rclone remotes an operator writes for `hdhport migrate objects`, derived from the two profiles.

One remote per side of an object-store step, named after its profile (`azure_francecentral:`, `scaleway:`),
built from the side's product kind (methods.KINDS) and, for an S3 store, from the profile's API family and
region. Secrets are never in the stanza nor on the command line: rclone reads a remote's options from
RCLONE_CONFIG_<REMOTE>_<OPTION> variables, or from the cloud's own environment (OpenStack RC variables).

Every form is one a source states (rclone 1.60's own backend documentation, `rclone help backend NAME`, or the
cloud's rclone guide), cited with its date. A kind or a family no source covers gets no stanza, and the runbook
says so, rather than an endpoint made up from a pattern.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hdhport.model import Profile

#: rclone 1.60.1 (Debian bookworm), `rclone help backend azureblob|swift|s3`, read 2026-12-03.
RCLONE_DOCS = "rclone 1.60.1 `rclone help backend {backend}` (read 2026-12-03)"
#: rclone reads any option of a remote from RCLONE_CONFIG_<REMOTE>_<OPTION> (the name upper-cased; a name with
#: `-` has no such variable in 1.60, hence remote names made of letters, digits and `_`).
ENV_FORM = "RCLONE_CONFIG_{remote}_{option}"
ENV_SOURCE = ("options of a remote from RCLONE_CONFIG_<REMOTE>_<OPTION> variables (checked with rclone 1.60.1, "
              "2026-12-03)")


@dataclass(frozen=True)
class S3Form:
    """How a cloud's S3 store is configured in rclone: its provider, and its endpoint for a region."""

    provider: str
    endpoint: str  # with {region}
    credentials: str
    source: str


#: By API family: the S3 stores whose rclone configuration their operator documents.
S3_FORMS: dict[str, S3Form] = {
    "scaleway": S3Form(
        "Scaleway", "s3.{region}.scw.cloud",
        "the API key of the workload identity of the bucket's scope (the stack's workload_identity key, a Pulumi "
        "secret in its state), or of the deploying principal: the buckets' policies allow those two only "
        "(providers/scaleway/object_storage.py); access key and secret key",
        "Scaleway docs object-storage/api-cli/installing-rclone.mdx (validation 2025-03-24): type s3, provider "
        "Scaleway, region fr-par, endpoint s3.fr-par.scw.cloud (s3.nl-ams.scw.cloud, s3.pl-waw.scw.cloud for the "
        "other regions)"),
}

#: Product kinds (methods.KINDS) served through Azure Blob's API: rclone's azureblob backend reads them.
AZURE_BLOB_KINDS = ("azure-blob", "azure-adls", "azure-archive")
#: The kinds that are object stores: a step moved by `hdhport migrate objects` with one at either end gets remotes.
OBJECT_STORE_KINDS = (*AZURE_BLOB_KINDS, "swift", "s3", "gcs")


@dataclass(frozen=True)
class Remote:
    """One rclone remote: its configuration section, and how its credentials reach rclone."""

    name: str
    backend: str
    options: tuple[tuple[str, str], ...]
    credentials: str
    source: str

    @property
    def stanza(self) -> str:
        return f"[{self.name}]\n" + "".join(f"{key} = {value}\n" for key, value in self.options)

    def to_json(self) -> dict[str, Any]:
        return {"status": "stated", "name": self.name, "backend": self.backend, "stanza": self.stanza,
                "credentials": self.credentials, "source": self.source}


@dataclass(frozen=True)
class NoRemote:
    """A side whose rclone form no source states."""

    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"status": "unknown", "reason": self.reason}


def remote_name(profile_id: str) -> str:
    """A remote name rclone also reads from RCLONE_CONFIG_<NAME>_* variables: letters, digits and `_`."""
    return re.sub(r"[^a-z0-9]+", "_", profile_id.lower()).strip("_") or "remote"


def _variable(name: str, option: str) -> str:
    return ENV_FORM.format(remote=name.upper(), option=option.upper())


def _region(profile: Profile) -> str | None:
    """The API name of the profile's first region that states one."""
    return next((region.api_names[0] for region in profile.regions if region.api_names), None)


def remote(profile: Profile, kind: str | None, name: str) -> Remote | NoRemote:
    """The remote `name` for a product of `kind` in `profile`, or why none can be stated."""
    if kind in AZURE_BLOB_KINDS:
        return Remote(
            name, "azureblob", (("type", "azureblob"), ("account", "STORAGE_ACCOUNT")),
            f"the storage account's key in {_variable(name, 'key')}, or, from a VM in Azure with a managed "
            "identity allowed to read the account (Storage Blob Data Reader), use_msi = true instead of the key; "
            "STORAGE_ACCOUNT is the account's name, once per account",
            RCLONE_DOCS.format(backend="azureblob") + ": account, key, use_msi; " + ENV_SOURCE)
    if kind == "swift":
        regions = list(dict.fromkeys(n for region in profile.regions for n in region.api_names))
        where = f" (one of {', '.join(regions)})" if regions else ""
        return Remote(
            name, "swift", (("type", "swift"), ("env_auth", "true")),
            "the project's OpenStack RC file sourced in the shell: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, "
            f"OS_PROJECT_NAME, OS_REGION_NAME{where}",
            RCLONE_DOCS.format(backend="swift") + ": env_auth, credentials from the environment in standard "
                                                  "OpenStack form")
    if kind == "s3":
        form = S3_FORMS.get(profile.api_family)
        if form is None:
            return NoRemote(f"no source read states the rclone form (provider, endpoint) of {profile.name}'s S3 "
                            f"store (API family {profile.api_family})")
        region = _region(profile)
        if region is None:
            return NoRemote(f"{profile.id} states no API name for its regions: the S3 endpoint's region is unknown")
        return Remote(
            name, "s3", (("type", "s3"), ("provider", form.provider), ("region", region),
                         ("endpoint", form.endpoint.format(region=region))),
            f"{form.credentials}, in {_variable(name, 'access_key_id')} and {_variable(name, 'secret_access_key')}",
            form.source + "; " + ENV_SOURCE)
    return NoRemote(f"no rclone remote is derived for a product of kind {kind or 'unrecognised'}")


def remotes(source: Profile, target: Profile, source_kind: str | None,
            target_kind: str | None) -> tuple[Remote | NoRemote, Remote | NoRemote]:
    """Both sides' remotes, named after their profiles (told apart if the names meet)."""
    names = remote_name(source.id), remote_name(target.id)
    if names[0] == names[1]:
        names = f"{names[0]}_source", f"{names[1]}_target"
    return remote(source, source_kind, names[0]), remote(target, target_kind, names[1])
