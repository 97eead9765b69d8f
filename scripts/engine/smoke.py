"""Offline smoke test of the locally built Pulumi engine (run by scripts/engine/build.sh).

Runs `pulumi up` / `pulumi destroy` through the Automation API with an *inline*
program: the Python process serves the language runtime itself, so no
`pulumi-language-python` binary is needed. The program registers no cloud
resource (only the implicit pulumi:pulumi:Stack with two outputs). State goes to
a local file backend, secrets to the passphrase provider. Nothing leaves the machine.

Then (unless --no-openstack) `pulumi preview` of an inline program creating one
pulumi_openstack.networking.Network, against a file backend in a temp dir, with a
dummy OS_AUTH_URL (loopback, nothing listening): it proves the engine loads the
locally built pulumi-resource-openstack plugin from PULUMI_HOME and that the
Python SDK's tokens and schema agree with it. Prints the time it took.

Usage: python smoke.py ENGINE_DIR [--no-openstack]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from typing import Any

import pulumi
from pulumi import automation as auto


def program() -> None:
    pulumi.export("engine", "ok")
    pulumi.export("secret_roundtrip", pulumi.Output.secret("s3cr3t"))


def main(engine_dir: str) -> int:
    engine_dir = os.path.abspath(engine_dir)
    state_dir = os.path.join(engine_dir, "state")
    os.makedirs(state_dir, exist_ok=True)
    backend = "file://" + state_dir
    env = {
        "PULUMI_HOME": os.path.join(engine_dir, "pulumi-home"),
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", "engine-smoke"),
        "PULUMI_SKIP_UPDATE_CHECK": "1",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    # The Automation API passes env_vars to the CLI; set them here too so that
    # workspace helpers running in this process see the same values.
    os.environ.update(env)

    stack_name = "smoke-" + uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="engine-smoke-") as work_dir:
        stack = auto.create_stack(stack_name=stack_name, project_name="engine-smoke", program=program,
                                  opts=_workspace(work_dir, env, "engine-smoke", backend, engine_dir))
        try:
            print(f"cli version: {stack.workspace.pulumi_version}")
            up = stack.up(on_output=lambda line: print("  | " + line.rstrip()))
            outputs = {k: ("[secret]" if v.secret else v.value) for k, v in up.outputs.items()}
            print(f"up: result={up.summary.result} changes={up.summary.resource_changes} outputs={outputs}")
            ok = (
                up.summary.result == "succeeded"
                and up.outputs["engine"].value == "ok"
                and up.outputs["secret_roundtrip"].secret
                and up.outputs["secret_roundtrip"].value == "s3cr3t"
            )
            down = stack.destroy()
            print(f"destroy: result={down.summary.result} changes={down.summary.resource_changes}")
            ok = ok and down.summary.result == "succeeded"
        finally:
            stack.workspace.remove_stack(stack_name)
    print("SMOKE OK" if ok else "SMOKE FAILED")
    return 0 if ok else 1


def openstack_program() -> None:
    import pulumi_openstack as openstack  # imported here: the first smoke test does not need it

    net = openstack.networking.Network("smoke-net", name="smoke-net", admin_state_up=True)
    pulumi.export("net_name", net.name)


def _workspace(work_dir: str, env: dict[str, str], project: str, backend: str, engine_dir: str) -> Any:
    """Automation API options both smoke tests use: the built CLI, its PULUMI_HOME, a passphrase, this backend."""
    return auto.LocalWorkspaceOptions(
        work_dir=work_dir, pulumi_home=env["PULUMI_HOME"], env_vars=env, secrets_provider="passphrase",
        project_settings=auto.ProjectSettings(name=project, runtime="python", backend=auto.ProjectBackend(url=backend)),
        pulumi_command=auto.PulumiCommand(root=engine_dir))


def openstack_preview(engine_dir: str) -> int:
    """Preview one OpenStack network; 0 if the engine planned exactly that network (+ the stack)."""
    t0 = time.monotonic()
    engine_dir = os.path.abspath(engine_dir)
    with tempfile.TemporaryDirectory(prefix="engine-smoke-openstack-") as tmp:
        state_dir = os.path.join(tmp, "state")
        work_dir = os.path.join(tmp, "work")
        os.makedirs(state_dir)
        os.makedirs(work_dir)
        backend = "file://" + state_dir
        env = {
            "PULUMI_HOME": os.path.join(engine_dir, "pulumi-home"),
            "PULUMI_BACKEND_URL": backend,
            "PULUMI_CONFIG_PASSPHRASE": "engine-smoke",
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "OS_AUTH_URL": "http://127.0.0.1:9/v3",  # dummy: nothing listens there
        }
        os.environ.update(env)
        stack = auto.create_stack(stack_name="smoke", project_name="engine-smoke-openstack", program=openstack_program,
                                  opts=_workspace(work_dir, env, "engine-smoke-openstack", backend, engine_dir))
        preview = stack.preview(on_output=lambda line: print("  | " + line.rstrip()))
        summary = preview.change_summary
    ok = summary == {"create": 2}
    print(f"openstack preview: {'ok' if ok else 'FAILED'} changes={summary} in {time.monotonic() - t0:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    rc = main(sys.argv[1])
    if rc == 0 and "--no-openstack" not in sys.argv[2:]:
        rc = openstack_preview(sys.argv[1])
    sys.exit(rc)
