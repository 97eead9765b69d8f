"""Offline smoke test of the locally built Pulumi engine (run by scripts/engine/build.sh).

Runs `pulumi up` / `pulumi destroy` through the Automation API with an *inline*
program: the Python process serves the language runtime itself, so no
`pulumi-language-python` binary is needed. The program registers no cloud
resource (only the implicit pulumi:pulumi:Stack with two outputs). State goes to
a local file backend, secrets to the passphrase provider. Nothing leaves the machine.

Usage: python smoke.py ENGINE_DIR
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

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
        opts = auto.LocalWorkspaceOptions(
            work_dir=work_dir,
            pulumi_home=env["PULUMI_HOME"],
            env_vars=env,
            secrets_provider="passphrase",
            project_settings=auto.ProjectSettings(
                name="engine-smoke",
                runtime="python",
                backend=auto.ProjectBackend(url=backend),
            ),
            pulumi_command=auto.PulumiCommand(root=engine_dir),
        )
        stack = auto.create_stack(
            stack_name=stack_name, project_name="engine-smoke", program=program, opts=opts
        )
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
