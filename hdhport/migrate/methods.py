"""How each kind of data moves between two products: the migration methods, and which applies to which pair.

Three tables, all plain data:

- `CARRIED`: the services a migration carries: every data-bearing catalogue service, plus the ones
  that hold no health data but must move all the same (keys, images, trails, messages in flight...).
- `KINDS`: per service, how a product (the name a profile or the catalogue gives it, and the
  interfaces it speaks) maps to a *kind* such as `azure-blob`, `swift` or `s3`.
- `ROUTES`: per service, the method for each (source kind, target kind) pair, first match wins.
  A pair no route covers has no method: that is a reversibility gap.

`METHODS` describes each method once: its tool, pre-checks, the move, the verification, cut-over and
rollback, and how many times the data crosses the link between the clouds (for the duration estimate).
Text may name `{source}` and `{target}`, the two products. Every command quoted is a real command of
a real tool; nothing here runs them except the `hdhport migrate` commands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Fidelity = Literal["full", "partial"]
ANY = "*"

# Services that are not data-bearing in the catalogue (they hold no health data) but carry something a
# migration must move or re-create, in the words the runbook uses for them.
CARRIED: dict[str, str] = {
    "key_management": "key material",
    "secrets_store": "secrets",
    "vm_image_catalogue": "VM images",
    "container_registry": "container images",
    "directory": "identities (users and groups)",
    "audit_log": "audit trails",
    "log_analytics": "logs",
    "message_queue": "queues in flight",
}


@dataclass(frozen=True)
class Method:
    """One way of moving one kind of content, from pre-checks to rollback."""

    id: str
    name: str
    tool: str
    passes: int  # times the content crosses the link between the clouds (0: nothing bulk crosses it)
    fidelity: Fidelity  # full: everything arrives as it was; partial: something is re-created or left behind
    prechecks: tuple[str, ...]
    move: tuple[str, ...]
    verification: tuple[str, ...]
    cutover: tuple[str, ...]
    rollback: tuple[str, ...]
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """A product kind: recognised by a pattern on the product's name, else by an interface it offers."""

    id: str
    products: str  # regular expression, searched case-insensitively in the product name
    interfaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """The method for products of these kinds; `ANY` matches every recognised kind."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    method: str | None  # None: no method exists for this pair, and `gap` says why
    gap: str = ""
    prechecks: tuple[str, ...] = ()
    move: tuple[str, ...] = ()  # replaces the method's own steps when the direction needs other commands
    caveats: tuple[str, ...] = ()
    fidelity: Fidelity | None = None  # overrides the method's

    def matches(self, source: str, target: str) -> bool:
        return (ANY in self.sources or source in self.sources) and (ANY in self.targets or target in self.targets)


# ---------------------------------------------------------------------------------------------- methods

_ROLLBACK_SOURCE_KEPT = ("Nothing at the source was modified or deleted by the move: point applications back at "
                         "{source}.",
                         "Copy back whatever was written at {target} since cut-over, with the same method in the "
                         "other direction.")

_M = [
    Method(
        "rclone-objects", "Verified object copy", "hdhport migrate objects (rclone)", 2, "full",
        prechecks=("Both stores reachable from the transfer host as rclone remotes (one rclone configuration "
                   "file, passed with --rclone-config; secrets through RCLONE_CONFIG_* variables).",
                   "Writes to the source container frozen, or a final pass planned after the freeze."),
        move=("hdhport migrate objects SOURCE_REMOTE:container TARGET_REMOTE:container --manifest "
              "container.manifest.jsonl, once per container, run beside {target}: SHA-256 manifest of the source, "
              "rclone copy (never sync, move or delete), then every object read back.",
              "If interrupted: the same command with --resume; verified objects are not copied again."),
        verification=("Every object's size and SHA-256 at {target} equal the manifest; nothing missing, nothing "
                      "unexpected (exit 0).",
                      "Keep each manifest and its SHA-256 (printed in the summary) as the attestation of what "
                      "moved; `hdhport migrate verify` re-checks it at any time."),
        cutover=("Freeze writes, run the command again with --resume for the final delta, switch applications' "
                 "endpoints to {target} (S3 clients: endpoint URL and keys).",),
        rollback=_ROLLBACK_SOURCE_KEPT),
    Method(
        "rsync-share", "File tree copy between mounted shares", "rsync, then hdhport migrate objects for the proof",
        1, "full",
        prechecks=("A transfer VM mounts both shares (NFS v4.1 for Azure Files premium NFS shares, `openstack share "
                   "export location list` for Manila), with root squashing off for the copy.",
                   "Same numeric user and group ids on both sides (--numeric-ids keeps them)."),
        move=("rsync -aHAX --numeric-ids /mnt/source/ /mnt/target/ (repeat: each pass copies only what changed).",),
        verification=("hdhport migrate objects /mnt/source /mnt/target --manifest share.manifest.jsonl: rclone's "
                      "local backend over the two mounts gives the same SHA-256 manifest and object-by-object "
                      "proof as for object stores (and copies anything rsync missed).",),
        cutover=("Unmount the share from every client, final rsync pass and verification, mount {target} on the "
                 "clients (update the mount source in cloud-init).",),
        rollback=_ROLLBACK_SOURCE_KEPT,
        caveats=("SMB shares carry Windows ACLs that an NFS share cannot hold: permissions are re-applied from the "
                 "enclave's groups.",)),
    Method(
        "disk-image-convert", "Disk export, format conversion and import", "qemu-img convert and compare", 1, "full",
        prechecks=("Snapshot the source disk (crash-consistent) or stop the VM using it.",
                   "Scratch space on the transfer host for two copies of the disk's provisioned size."),
        move=("Export the disk, convert it with qemu-img convert to the target's format, import it.",),
        verification=("qemu-img compare SOURCE_IMAGE TARGET_IMAGE (compares content across formats) exits 0.",
                      "After import, the image checksum the target stores (Glance os_hash_value, SHA-512) equals "
                      "that of the uploaded file."),
        cutover=("Attach the imported volume to the rebuilt VM (cpu_vm step) and mount it by filesystem UUID.",),
        rollback=_ROLLBACK_SOURCE_KEPT),
    Method(
        "restic-copy", "Backup repository copy", "restic copy", 1, "full",
        prechecks=("restic init --from-repo SOURCE_REPO --copy-chunker-params at the target, so deduplication "
                   "carries over.",),
        move=("restic -r TARGET_REPO copy --from-repo SOURCE_REPO: every snapshot, re-encrypted under the "
              "target repository's key.",),
        verification=("restic snapshots --json lists the same snapshots (paths, times, tags) on both repositories.",
                      "restic -r TARGET_REPO check --read-data reads every pack back without error."),
        cutover=("Point the backup jobs at the target repository; the next run is incremental against the copied "
                 "snapshots.",),
        rollback=("The source repository is untouched (its REST server is append-only): point the jobs back at it.",)),
    Method(
        "restore-and-rebackup", "Restore each retained recovery point, back it up again at the target",
        "the source's restore API, then restic", 1, "partial",
        prechecks=("List the recovery points that must outlive the source contract (legal retention), e.g. az "
                   "backup recoverypoint list.",
                   "Staging capacity in the source cloud for one restored point at a time."),
        move=("For each retained point, oldest first: restore it to a staging disk or share at the source (az "
              "backup restore restore-disks), then restic backup it into the target repository with --time set to "
              "the point's date and a tag naming it.",
              "New backups start at the target after cut-over."),
        verification=("One restic snapshot per retained recovery point, dated as the point.",
                      "restic check --read-data at the target; a sample of points restored at the target and "
                      "compared file by file."),
        cutover=("Enable the target's backup schedule before the source's is stopped: no day without a backup.",),
        rollback=("The source vault is kept, read-only, until its retention ends.",),
        caveats=("The source's recovery points cannot be exported as such: each is restored and backed up again, "
                 "at the cost of source-side compute and egress.",
                 "Points not re-backed-up stay only in the source vault, which must then be kept (and paid for) "
                 "until their retention ends.")),
    Method(
        "pg-dump-restore", "PostgreSQL dump and restore, proven table by table",
        "hdhport migrate database (pg_dump, pg_restore); logical replication for a short cut-over", 1, "full",
        prechecks=("pg_dump and pg_restore of a major version at least the source server's.",
                   "An empty target database with the extensions the source uses (SELECT extname FROM pg_extension).",
                   "Roles re-created at the target from the directory: owners and grants are not carried "
                   "(--no-owner --no-privileges), since each cloud has its own administrative roles."),
        move=("hdhport migrate database SOURCE_DSN TARGET_DSN --dump FILE: custom-format dump kept with its "
              "SHA-256, restored without owners or grants.",
              "For a short cut-over on a large database: restore the schema only (pg_dump --schema-only), then "
              "CREATE PUBLICATION hdh_move FOR ALL TABLES at the source (wal_level = logical; on Azure Database for "
              "PostgreSQL a server parameter) and CREATE SUBSCRIPTION hdh_move at the target."),
        verification=("Per table, row count and an order-independent checksum of every row equal on both sides; "
                      "per sequence, the same last value (hdhport migrate database reports each difference, "
                      "exit 1).",),
        cutover=("Stop writers, wait for the subscription to catch up (pg_stat_subscription), set the sequences "
                 "(logical replication does not carry them: SELECT setval(...)), re-run the verification, switch "
                 "connection strings.",),
        rollback=_ROLLBACK_SOURCE_KEPT),
    Method(
        "rekey", "Re-encryption under the target's keys", "the target's key manager", 0, "full",
        prechecks=("The target's key hierarchy exists before any data moves: one customer-managed key per service "
                   "and enclave, created by the target stack (key_ref outputs).",),
        move=("Keys do not move: HSM-backed keys are generated non-exportable, and a key imported into a provider's "
              "HSM (BYOK) cannot be taken out again. Every data step reads through the source service, which "
              "decrypts, and writes through the target service, which encrypts under the target's key.",
              "Where {target} accepts customer keys (BYOK), the ministry imports its master key again from its own "
              "HSM, where the original was generated."),
        verification=("Every data-bearing resource of the target stack names its key_ref, and a decrypt test per "
                      "key succeeds.",
                      "No target resource uses a provider-managed key (the policy pack's customer-managed-key "
                      "rule)."),
        cutover=("None: the source keys stay enabled until the source data is destroyed.",),
        rollback=("The source keys are kept enabled, with soft delete and purge protection, until the source data "
                  "and its backups are destroyed.",),
        caveats=("Data that applications encrypted or pseudonymised themselves with a key generated inside the "
                 "source HSM (client-side encryption, keyed hashes of identifiers) cannot be decrypted or "
                 "reproduced at the target: such keys must come from the ministry's HSM, imported (BYOK), so a "
                 "copy exists outside the provider.",)),
    Method(
        "secret-copy-rotate", "Secret copy, then rotation", "the two secret stores' APIs", 0, "full",
        prechecks=("An inventory of the secrets and of who reads each (the stack's outputs and application "
                   "configuration).",),
        move=("Read each secret at the source (az keyvault secret show, openstack secret get --payload, or bao kv "
              "get) and write it at the target from a file, never on a command line (openstack secret store "
              "--file, bao kv put NAME value=@FILE).",),
        verification=("The target holds the same names, and a SHA-256 of each value matches the source's.",),
        cutover=("Rotate every credential once applications read it from {target}: a secret that passed through "
                 "both clouds' operators is treated as exposed to both.",),
        rollback=("The source secrets stay until rotation is complete; rotated credentials are written to both "
                  "stores until then.",)),
    Method(
        "image-rebuild", "Golden images rebuilt for the target, or converted", "Packer; qemu-img for a kept version",
        1, "full",
        prechecks=("The image definitions (Packer templates, cloud-init) are in version control.",),
        move=("Build the images with the target's Packer builder (openstack or azure-arm) from the same templates.",
              "A version that must be kept as it was (to reproduce a past analysis) is exported and converted: "
              "qemu-img convert between VHD (vpc, fixed size, whole MiB, for Azure) and qcow2 (Glance)."),
        verification=("The rebuilt images pass the image pipeline's tests; a converted version passes qemu-img "
                      "compare against the exported original, and its Glance checksum matches the upload.",),
        cutover=("The target stack boots from the target image names (hdh:image / profile flavors.image).",),
        rollback=("The source gallery is untouched.",)),
    Method(
        "oci-copy", "Container images copied by digest", "skopeo sync / skopeo copy --all --preserve-digests", 1,
        "full",
        prechecks=("Credentials for both registries (skopeo login); the target projects or repositories exist.",),
        move=("skopeo sync --src docker --dest docker SOURCE_REGISTRY/REPO TARGET_REGISTRY/PROJECT, or skopeo copy "
              "--all --preserve-digests per image, so multi-architecture indexes and digests are kept.",),
        verification=("skopeo inspect --raw of each tag gives the same digest on both registries.",),
        cutover=("Image references by digest keep working; references by registry host are switched in the "
                 "deployment configuration.",),
        rollback=("The source registry is untouched.",)),
    Method(
        "identity-export", "Users and groups exported, credentials re-enrolled",
        "the source directory's API (Microsoft Graph, SCIM) and the target's import (Keycloak partial import)", 0,
        "partial",
        prechecks=("An identity provider for the target is deployed and federated with the ministry's.",),
        move=("Export users, groups and memberships (Microsoft Graph or SCIM; Keycloak: realm partial export) and "
              "import them at the target.",),
        verification=("Same users, groups and memberships on both sides (counts and a per-group member list "
                      "compare).",),
        cutover=("Users sign in at the target and enrol their MFA factors again.",),
        rollback=("The source directory stays active until every user has signed in at the target.",),
        caveats=("Password hashes and MFA secrets are not exportable from a managed directory: users set a "
                 "password and enrol again (or sign in through federation).",)),
    Method(
        "trail-archive", "Audit trail archive carried with its proof", "hdhport migrate objects", 2, "full",
        prechecks=("The trail is exported to files before the move (Azure: the diagnostic settings' immutable "
                   "container, insights-activity-logs; OpenSearch: a snapshot to an S3 repository or an NDJSON "
                   "export).",
                   "The target container has its retention or immutability settings before the copy."),
        move=("hdhport migrate objects over the archive container, into a retention-locked container at {target}.",),
        verification=("Manifest equality, object by object; the manifest's SHA-256 is recorded in the audit trail "
                      "of both sides, so the archive can be attested for the whole legal retention.",),
        cutover=("New audit events go to {target} from cut-over; the last source segment is exported and moved "
                 "after it.",),
        rollback=("The source archive is immutable and stays until its retention ends.",),
        caveats=("Swift has no object lock: on an OpenStack target the archive's integrity rests on the recorded "
                 "manifest SHA-256 (and on an S3 store with Object Lock where the operator offers one).",)),
    Method(
        "log-export", "Log export and re-ingestion", "the source's query or export API, the target's bulk ingestion",
        2, "partial",
        prechecks=("The retention that must be carried (legal or operational) is decided: older logs stay at the "
                   "source until their retention ends.",),
        move=("Export by table and time window (Log Analytics: a data export rule to a storage account for what "
              "arrives from now on, az monitor log-analytics query windows for history; OpenSearch: a snapshot or "
              "scroll export), move the files with hdhport migrate objects, ingest at the target (OpenSearch _bulk, "
              "or Azure's Logs Ingestion API into custom tables).",),
        verification=("Per table and day, the count of records equal on both sides; the exported files' manifest "
                      "kept.",),
        cutover=("Collectors (Fluent Bit, Azure Monitor agent) point at {target}; dashboards and alert rules are "
                 "re-created from their definitions.",),
        rollback=("The source workspace keeps its retention; collectors are pointed back.",),
        caveats=("Query APIs cap each answer (Log Analytics: rows and bytes per query), so history is exported in "
                 "time windows; archived tiers must be restored before they can be read.",
                 "Field names and types follow each product's schema: a mapping per table is written once.")),
    Method(
        "drain-and-switch", "Drain and switch", "hdhport migrate queue (AMQP 1.0, python-qpid-proton)", 0, "full",
        prechecks=("Queues, topics and subscriptions exist at {target} (the target stack declares them).",
                   "Consumers are idempotent on the message id (the move is at-least-once)."),
        move=("Switch producers to {target}; consumers keep draining the source.",
              "hdhport migrate queue --from SOURCE --from-address QUEUE --to TARGET --to-address QUEUE moves what is "
              "still in flight, each message settled at the source only once {target} accepted it; the same for "
              "dead-letter queues (Service Bus: QUEUE/$DeadLetterQueue)."),
        verification=("The source queues are empty (depth 0, dead-letter included) and the moved count equals "
                      "their depth before the move.",),
        cutover=("Switch consumers to {target} once the source queues are empty.",),
        rollback=("Switch producers and consumers back; the source namespace is kept until the end of the "
                  "migration.",)),
    Method(
        "rebuild-from-image", "Rebuilt from the golden image", "the Pulumi program on the target stack", 0, "full",
        prechecks=("Images (VM images step) and data disks (block disks step) are at the target.",),
        move=("pulumi up on the target stack builds the machines from the golden image with the same cloud-init: "
              "system disks carry no data by design, data disks move in the block disk step.",),
        verification=("hdhport check --profile TARGET passes, and the stack's outputs answer (ssh, health "
                      "checks).",),
        cutover=("Traffic moves with the endpoints of the services the machines serve.",),
        rollback=("The source machines are stopped, not deleted, until the migration is accepted.",)),
    Method(
        "drain-and-rebuild", "Drain the jobs, rebuild the scheduler", "the target stack; sbatch or the Batch API", 0,
        "partial",
        prechecks=("Job outputs are written to object storage (moved in its own step), never kept on the nodes.",),
        move=("Stop submitting at the source, let running jobs finish, rebuild the pool or cluster from the target "
              "stack, resubmit from the job definitions.",),
        verification=("A reference job gives the same output on both sides (compare with hdhport migrate verify "
                      "on its output prefix).",),
        cutover=("Submission points at {target}.",),
        rollback=("The source pool is scaled to zero, not deleted, until the migration is accepted.",),
        caveats=("Job submission code written against Azure Batch's API is rewritten for Slurm (sbatch), or the "
                 "reverse.",)),
    Method(
        "velero", "Kubernetes workloads and volumes", "Velero with file-system backup to an S3-compatible bucket", 1,
        "full",
        prechecks=("Velero installed in both clusters, sharing one backup location reachable from both (an S3 "
                   "bucket; on OpenStack, Swift through s3api).",),
        move=("velero backup create hdh-move --default-volumes-to-fs-backup at the source; velero restore create "
              "--from-backup hdh-move at the target, with storage classes mapped (Velero's "
              "change-storage-class-config).",),
        verification=("velero restore describe shows no error or warning; the same objects per namespace "
                      "(kubectl get all -A counts); application checks pass.",),
        cutover=("Ingress and DNS point at the target cluster.",),
        rollback=_ROLLBACK_SOURCE_KEPT,
        caveats=("Cloud-specific annotations (load balancers, storage classes, workload identity) are adjusted by "
                 "the restore's mappings.",)),
    Method(
        "notebooks-and-tables", "Notebooks exported, tables kept on the data lake",
        "databricks workspace export-dir / import-dir; Delta tables on the data lake", 1, "partial",
        prechecks=("Managed tables and DBFS-root data are first copied to external locations on the data lake "
                   "(CREATE TABLE ... DEEP CLONE), so that the data lake step carries them.",),
        move=("Export notebooks in source format (databricks workspace export-dir) and import them at the target "
              "(JupyterHub home directories, or databricks workspace import-dir); register the Delta tables as "
              "external tables on the moved data lake.",),
        verification=("Per table, row counts equal (SELECT count(*) on both engines); notebooks compared file by "
                      "file (hdhport migrate objects over the exported folders).",),
        cutover=("Jobs are re-created at the target from their definitions.",),
        rollback=_ROLLBACK_SOURCE_KEPT,
        caveats=("Jobs, cluster policies and Unity Catalog grants are Databricks objects: re-created, not "
                 "copied.",)),
    Method(
        "airflow-metadata", "Airflow metadata and DAGs", "hdhport migrate database; DAGs from version control", 1,
        "full",
        prechecks=("Same Airflow major version at both sides.",),
        move=("Move the metadata database with hdhport migrate database; deploy the DAGs from version control.",),
        verification=("Table checksums equal (hdhport migrate database); airflow dags list identical.",),
        cutover=("Pause DAGs at the source, unpause at the target.",),
        rollback=_ROLLBACK_SOURCE_KEPT),
    Method(
        "mlflow-export-import", "Experiments, runs and models through the MLflow API",
        "mlflow-export-import (export-experiments, import-experiments, export-models, import-models)", 1, "partial",
        prechecks=("MLflow tracking URI of both sides (Azure Machine Learning exposes one per workspace).",),
        move=("export-experiments and export-models from the source, import-experiments and import-models at the "
              "target; artefacts travel with them.",),
        verification=("Same experiments, run counts, metrics and registered model versions on both sides "
                      "(mlflow search_runs compare).",),
        cutover=("MLFLOW_TRACKING_URI points at {target}.",),
        rollback=_ROLLBACK_SOURCE_KEPT,
        caveats=("Workspace objects outside MLflow (Azure ML environments, compute, data assets, endpoints) are "
                 "re-created from their definitions.",)),
    Method(
        "home-directories", "Users' files copied", "hdhport migrate objects (rclone) over the home directories", 2,
        "full",
        prechecks=("Users' files live on a share or volume reachable from a transfer host (Azure ML: the "
                   "workspace's file share; JupyterHub: the users' volumes).",),
        move=("hdhport migrate objects over each user's directory; kernels and environments are rebuilt from "
              "their environment files.",),
        verification=("Manifest equality per user.",),
        cutover=("Users open their sessions at {target}.",),
        rollback=_ROLLBACK_SOURCE_KEPT),
    Method(
        "profile-containers", "Session hosts rebuilt, user profiles carried", "rsync of profile containers; qemu-nbd",
        1, "partial",
        prechecks=("User profiles are containers on a file share (FSLogix VHDX on Azure Files) or home directories, "
                   "not on session hosts.",),
        move=("Rebuild session hosts from the golden image; copy the profile share (rsync-share method).",
              "Windows RDS hosts attach the same FSLogix containers; for Linux xrdp hosts, each container is "
              "mounted read-only (qemu-nbd --read-only -f vhdx, ntfs-3g) and the user's documents copied to the "
              "home directory."),
        verification=("Manifest equality of the profile share (hdhport migrate objects over the mounts).",),
        cutover=("Users connect through the target gateway.",),
        rollback=_ROLLBACK_SOURCE_KEPT,
        caveats=("Windows profile settings do not carry over to Linux session hosts: documents do, settings are "
                 "re-created.",)),
]
METHODS: dict[str, Method] = {m.id: m for m in _M}

# ---------------------------------------------------------------------------------------------- kinds

_OBJECTS = (Kind("azure-blob", r"azure|blob"), Kind("swift", r"swift", ("swift",)),
            Kind("s3", r"minio|\bs3\b|object storage", ("s3",)), Kind("gcs", r"cloud storage|\bgcs\b"))
_OBJECT_KINDS = tuple(k.id for k in _OBJECTS)

KINDS: dict[str, tuple[Kind, ...]] = {
    "cpu_vm": (Kind("azure-vm", r"azure virtual machines"), Kind("nova", r"nova|ironic|bare metal|instances"),
               Kind("vm", r"virtual machines|compute engine", ("ssh", "cloud-init"))),
    "gpu_vm": (Kind("azure-vm", r"azure virtual machines"), Kind("nova", r"nova|gpu instances"),
               Kind("vm", r"virtual machines|compute engine", ("ssh", "cloud-init"))),
    "batch_compute": (Kind("azure-batch", r"azure batch"), Kind("slurm", r"slurm|batch scheduler", ("ssh",))),
    "kubernetes": (Kind("aks", r"\baks\b|azure kubernetes"),
                   Kind("kubernetes", r"kubernetes|magnum|openshift|kubeadm|\bgke\b", ("kubernetes-api",))),
    "container_registry": (Kind("acr", r"azure container registry"),
                           Kind("oci-registry", r"harbor|registry", ("oci-distribution",))),
    "vm_image_catalogue": (Kind("azure-gallery", r"compute gallery|azure"),
                           Kind("glance", r"glance|images", ("qcow2",))),
    "object_storage": _OBJECTS,
    "data_lake": (Kind("azure-adls", r"data lake storage|hierarchical namespace|\badls\b"), *_OBJECTS),
    "archive_storage": (Kind("azure-archive", r"archive (access )?tier"), *_OBJECTS),
    "file_share": (Kind("azure-files", r"azure files"), Kind("manila", r"manila"),
                   Kind("nfs", r"\bnfs\b", ("nfs",))),
    "block_disk": (Kind("azure-disk", r"managed disks|azure"), Kind("cinder", r"cinder"),
                   Kind("block-device", r"block storage", ("block-device",))),
    "backup_vault": (Kind("azure-backup", r"azure backup|recovery services"), Kind("restic", r"restic"),
                     Kind("cinder-backup", r"cinder.*backup|volume backups")),
    "spark_engine": (Kind("databricks", r"databricks"), Kind("spark", r"spark", ("spark",))),
    "etl_orchestration": (Kind("adf", r"data factory"), Kind("airflow", r"airflow", ("airflow",))),
    "relational_database": (Kind("azure-postgresql", r"azure database for postgresql"), Kind("trove", r"trove"),
                            Kind("postgresql", r"postgres", ("postgresql",))),
    "ml_workspace": (Kind("azureml", r"azure machine learning"), Kind("mlflow", r"mlflow", ("mlflow",))),
    "notebook_server": (Kind("azureml-compute", r"azure machine learning"),
                        Kind("jupyter", r"jupyter", ("jupyter",))),
    "virtual_desktop": (Kind("avd", r"azure virtual desktop"), Kind("guacamole", r"guacamole|xrdp|\brds\b")),
    "secure_file_transfer": (Kind("azure-blob-sftp", r"azure|blob"), Kind("sftp", r"sftpgo|sftp", ("sftp",))),
    "key_management": (Kind("azure-key-vault", r"key vault|managed hsm"), Kind("barbican", r"barbican"),
                       Kind("openbao", r"openbao|hashicorp vault"),
                       Kind("scaleway-key-manager", r"scaleway key manager"),
                       Kind("kms", r"\bkms\b|\bhsm\b", ("vault-api", "pkcs11", "kmip"))),
    "secrets_store": (Kind("azure-key-vault", r"key vault"), Kind("barbican", r"barbican"),
                      Kind("openbao", r"openbao|hashicorp vault", ("vault-api",))),
    "directory": (Kind("entra-id", r"entra"), Kind("keycloak", r"keycloak"),
                  Kind("oidc-directory", r"directory|ldap", ("oidc", "saml"))),
    "audit_log": (Kind("azure-activity-log", r"activity log"), Kind("wazuh", r"wazuh|opensearch"),
                  Kind("syslog", r"syslog", ("syslog",))),
    "log_analytics": (Kind("log-analytics", r"log analytics|azure monitor"),
                      Kind("opensearch", r"opensearch|loki|elastic", ("syslog", "otlp"))),
    "message_queue": (Kind("service-bus", r"service bus"), Kind("rabbitmq", r"rabbitmq"),
                      Kind("amqp", r"amqp|qpid|activemq", ("amqp-1.0",))),
}

# ---------------------------------------------------------------------------------------------- routes

_AZURE_DISK_TO_IMAGE = (
    "az disk grant-access --access-level Read --duration-in-seconds 86400 gives a read SAS; azcopy copy it to "
    "disk.vhd.",
    "qemu-img convert -f vpc -O qcow2 disk.vhd disk.qcow2.",
    "openstack image create --disk-format qcow2 --container-format bare --file disk.qcow2 NAME, then openstack "
    "volume create --image NAME --size GB VOLUME; az disk revoke-access.")
_IMAGE_TO_AZURE_DISK = (
    "openstack image create --volume VOLUME NAME, then openstack image save --file disk.qcow2 NAME.",
    "qemu-img convert -f qcow2 -O vpc -o subformat=fixed,force_size disk.qcow2 disk.vhd, its size rounded up to a "
    "whole MiB first (qemu-img resize), as Azure requires.",
    "az disk create --upload-type Upload --upload-size-bytes SIZE, az disk grant-access --access-level Write, "
    "azcopy copy disk.vhd SAS --blob-type PageBlob, az disk revoke-access.")

ROUTES: dict[str, tuple[Route, ...]] = {
    "cpu_vm": (Route((ANY,), (ANY,), "rebuild-from-image"),),
    "gpu_vm": (Route((ANY,), (ANY,), "rebuild-from-image"),),
    "batch_compute": (Route(("slurm",), ("slurm",), "drain-and-rebuild", fidelity="full"),
                      Route((ANY,), (ANY,), "drain-and-rebuild")),
    "kubernetes": (Route((ANY,), (ANY,), "velero"),),
    "container_registry": (Route((ANY,), (ANY,), "oci-copy"),),
    "vm_image_catalogue": (Route((ANY,), (ANY,), "image-rebuild"),),
    "object_storage": (Route(_OBJECT_KINDS, _OBJECT_KINDS, "rclone-objects"),),
    "data_lake": (
        Route(("azure-adls",), (ANY,), "rclone-objects", caveats=(
            "Data Lake Gen2 POSIX ACLs and empty directories are not objects: ACLs are re-applied from the "
            "enclave's groups, empty directories re-created if applications rely on them.",)),
        Route((ANY,), ("azure-adls",), "rclone-objects", caveats=(
            "ACLs on the hierarchical namespace are set after the copy from the enclave's groups.",)),
        Route(_OBJECT_KINDS, _OBJECT_KINDS, "rclone-objects"),
    ),
    "archive_storage": (
        Route(("azure-archive",), (ANY,), "rclone-objects", prechecks=(
            "Archive-tier blobs cannot be read until rehydrated: az storage blob set-tier --tier Cool "
            "--rehydrate-priority Standard for each (up to 15 hours, billed), or copy them to a cool container "
            "first.",)),
        Route((ANY,), ("azure-archive",), "rclone-objects", caveats=(
            "Objects are copied to the Cool tier and verified there, then moved to Archive by a lifecycle rule: "
            "an archived blob can no longer be read back for verification.",)),
        Route(_OBJECT_KINDS, _OBJECT_KINDS, "rclone-objects"),
    ),
    "file_share": (Route((ANY,), (ANY,), "rsync-share"),),
    "block_disk": (
        Route(("azure-disk",), ("cinder", "block-device"), "disk-image-convert", move=_AZURE_DISK_TO_IMAGE),
        Route(("cinder", "block-device"), ("azure-disk",), "disk-image-convert", move=_IMAGE_TO_AZURE_DISK),
        Route((ANY,), (ANY,), "disk-image-convert"),
    ),
    "backup_vault": (
        Route(("restic",), ("restic",), "restic-copy"),
        Route(("restic",), (ANY,), "restic-copy", caveats=(
            "The history stays a restic repository, kept on the target's object storage (restic's azure or s3 "
            "backend); new backups may use {target}.",)),
        Route((ANY,), (ANY,), "restore-and-rebackup"),
    ),
    "spark_engine": (Route((ANY,), (ANY,), "notebooks-and-tables"),),
    "etl_orchestration": (
        Route(("airflow",), ("airflow",), "airflow-metadata"),
        Route(("adf",), ("adf",), None, gap="Data Factory has no export to another factory beyond its ARM "
                                            "templates; redeploy them from version control."),
        Route((ANY,), (ANY,), None, gap=(
            "Data Factory pipelines are proprietary JSON and Airflow DAGs are Python: no tool converts one into "
            "the other, so every pipeline is rewritten (run history and lineage stay at the source; Data Factory "
            "keeps run history 45 days).")),
    ),
    "relational_database": (Route((ANY,), (ANY,), "pg-dump-restore"),),
    "ml_workspace": (Route(("mlflow",), ("mlflow",), "mlflow-export-import", fidelity="full"),
                     Route((ANY,), (ANY,), "mlflow-export-import")),
    "notebook_server": (Route((ANY,), (ANY,), "home-directories"),),
    "virtual_desktop": (Route((ANY,), (ANY,), "profile-containers"),),
    "secure_file_transfer": (Route((ANY,), (ANY,), "rclone-objects", caveats=(
        "SFTP users and their keys are re-created from the directory; rclone reads and writes SFTP servers "
        "directly (its sftp backend) when the storage behind them is not reachable.",)),),
    "key_management": (Route((ANY,), (ANY,), "rekey"),),
    "secrets_store": (Route((ANY,), (ANY,), "secret-copy-rotate"),),
    "directory": (Route((ANY,), (ANY,), "identity-export"),),
    "audit_log": (Route((ANY,), (ANY,), "trail-archive"),),
    "log_analytics": (Route((ANY,), (ANY,), "log-export"),),
    "message_queue": (Route((ANY,), (ANY,), "drain-and-switch"),),
}


def classify(service_id: str, product: str | None, interfaces: tuple[str, ...] | list[str]) -> str | None:
    """The kind of a product for this service, or None when it is not recognised."""
    kinds = KINDS.get(service_id, ())
    if product:
        for kind in kinds:
            if re.search(kind.products, product, re.IGNORECASE):
                return kind.id
    for kind in kinds:
        if set(kind.interfaces) & set(interfaces):
            return kind.id
    return None


@dataclass(frozen=True)
class Choice:
    """What the tables say for one pair of kinds: a method (with the route's additions), or why there is none."""

    route: Route | None
    method: Method | None
    gap: str = ""
    caveats: tuple[str, ...] = field(default=())


def choose(service_id: str, source_kind: str, target_kind: str) -> Choice:
    for route in ROUTES.get(service_id, ()):
        if route.matches(source_kind, target_kind):
            if route.method is None:
                return Choice(route, None, route.gap)
            method = METHODS[route.method]
            # A route that declares a partial method full for its pair (MLflow to MLflow...) says that what
            # the method's caveats warn about does not happen there.
            inherited = () if route.fidelity == "full" and method.fidelity == "partial" else method.caveats
            return Choice(route, method, caveats=inherited + route.caveats)
    return Choice(None, None, f"no migration method is known from {source_kind} to {target_kind}")
