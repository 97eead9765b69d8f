"""The house's layers, checked (STYLE.md "Layers"): a lower layer never imports an upper one.

    hdhport/, policies/   the engine, and the policy pack it runs offline (`hdhport check`)
    providers/            the API families
    infra/                the composition root: the Pulumi program

policies/ sits with the engine: hdhport's checks import it (hdhport/policy_runner.py) and it reads the engine's
facts (the address plan, the resource tokens), never a family's or the program's. bench/, scripts/ and tests/ are
outside the layers: they may import anything, and nothing layered imports them.

Every import counts: `import x` and `from x import y`, at module level and inside functions (a lazy import is
still a dependency), relative ones resolved, and `importlib.import_module("x")` / `__import__("x")` with a
literal name. Computed names (the registry's "providers.<family>.registry" tables) are the plug-in seam and are
not imports of a fixed module. The engine also imports no cloud SDK at module level, so the specification
commands start without one.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hdhport import paths

#: Top-level package -> its layer: a module may import its own layer or a lower one.
LAYERS = {"hdhport": 0, "policies": 0, "providers": 1, "infra": 2}
LAYER_NAMES = {0: "engine", 1: "API families", 2: "composition root"}
#: Outside the layers: nothing layered imports them.
OUTSIDE = frozenset({"bench", "scripts", "tests"})
CLOUD_SDKS = frozenset({"pulumi_azure_native", "pulumi_openstack", "pulumiverse_scaleway"})
_DYNAMIC = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Import:
    file: str
    line: int
    module: str
    """Absolute dotted name of what is imported (relative imports resolved)."""
    module_level: bool
    """Executed when the module is imported (not inside a function)."""


def module_name(root: Path, file: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """`from <level dots><module> import ...` written in `importer`, as an absolute module name."""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[:len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *([module] if module else [])])


def imports_of(root: Path, file: Path) -> Iterator[Import]:
    """Every import `file` makes, at module level or inside a function."""
    shown = file.relative_to(root).as_posix()
    importer = module_name(root, file)
    is_package = file.name == "__init__.py"
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=shown)

    def visit(node: ast.AST, module_level: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(shown, node.lineno, alias.name, module_level)
        elif isinstance(node, ast.ImportFrom):
            target = (resolve_relative(importer, is_package, node.level, node.module) if node.level
                      else node.module or "")
            # `from ... import infra`: what is imported is then named by the alias alone.
            for name in [target] if target else [alias.name for alias in node.names]:
                yield Import(shown, node.lineno, name, module_level)
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if called in _DYNAMIC and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                yield Import(shown, node.lineno, node.args[0].value, module_level)
        inner = module_level and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            yield from visit(child, inner)

    yield from visit(tree, True)


def layered_files(root: Path) -> list[Path]:
    return sorted(f for top in LAYERS if (root / top).is_dir() for f in (root / top).rglob("*.py")
                  if "__pycache__" not in f.parts)


def violations(root: Path) -> list[str]:
    """Every import in root's layered trees that goes up a layer or out of them, as `file:line: why`, and every
    cloud SDK the engine imports at module level."""
    found: list[str] = []
    for file in layered_files(root):
        own_top = file.relative_to(root).parts[0]
        own = LAYERS[own_top]
        for imp in imports_of(root, file):
            top = imp.module.split(".")[0]
            if top in LAYERS and LAYERS[top] > own:
                found.append(f"{imp.file}:{imp.line}: imports {imp.module}, of the {LAYER_NAMES[LAYERS[top]]} "
                             f"({top}/), above the {LAYER_NAMES[own]} ({own_top}/)")
            elif top in OUTSIDE:
                found.append(f"{imp.file}:{imp.line}: imports {imp.module}, outside the layers ({top}/)")
            elif own == 0 and top in CLOUD_SDKS and imp.module_level:
                found.append(f"{imp.file}:{imp.line}: imports the cloud SDK {imp.module} at module level "
                             f"(the engine imports a cloud SDK only where it is used)")
    return found


def test_no_import_goes_up_a_layer() -> None:
    files = layered_files(paths.ROOT)
    assert len(files) > 100, f"only {len(files)} files found under {', '.join(LAYERS)}: is the tree there?"
    found = violations(paths.ROOT)
    assert not found, "imports against the layers (STYLE.md \"Layers\"):\n" + "\n".join(found)


def test_the_engine_imports_no_cloud_sdk_at_all() -> None:
    """Stricter than the rule, and true today: hdhport/ and policies/ reach the SDKs only by computed name
    (hdhport/tokens.py resolves a type token's class on demand), never by an import of their own."""
    lazy = [f"{imp.file}:{imp.line}: {imp.module}" for file in layered_files(paths.ROOT)
            if LAYERS[file.relative_to(paths.ROOT).parts[0]] == 0
            for imp in imports_of(paths.ROOT, file) if imp.module.split(".")[0] in CLOUD_SDKS]
    assert not lazy, "the engine imports a cloud SDK:\n" + "\n".join(lazy)


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def test_the_checker_reports_every_kind_of_upward_import(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "hdhport/__init__.py": "",
        "hdhport/sub/__init__.py": "",
        "hdhport/ok.py": "from hdhport import sub\nimport policies.facts\nimport pulumi\n\n\n"
                         "def tokens():\n    from pulumi_openstack import compute\n",
        "hdhport/lazy.py": '"""doc"""\n\n\ndef plan():\n    from infra.program import main\n    return main\n',
        "hdhport/plain.py": "import providers.contract\n",
        "hdhport/sdk.py": "from pulumi_azure_native import storage\n",
        "hdhport/sub/rel.py": "from ... import infra\n",
        "hdhport/dynamic.py": "import importlib\n\nMOD = importlib.import_module('infra.config')\n",
        "hdhport/bench_use.py": "from bench import floor\n",
        "providers/__init__.py": "",
        "providers/up.py": "from hdhport.ok import x\n\n\nclass C:\n    from infra.config import ConfigError\n",
        "providers/rel.py": "from . import up\nfrom .up import C\n",
        "policies/facts.py": "from providers.selfhosted.iaas import ENCLAVES_CIDR\n",
        "infra/__init__.py": "from providers.up import C\nfrom hdhport import ok\n",
    })
    found = violations(tmp_path)
    assert sorted(found) == sorted([
        "hdhport/lazy.py:5: imports infra.program, of the composition root (infra/), above the engine (hdhport/)",
        "hdhport/plain.py:1: imports providers.contract, of the API families (providers/), above the engine "
        "(hdhport/)",
        "hdhport/sdk.py:1: imports the cloud SDK pulumi_azure_native at module level (the engine imports a cloud "
        "SDK only where it is used)",
        "hdhport/sub/rel.py:1: imports infra, of the composition root (infra/), above the engine (hdhport/)",
        "hdhport/dynamic.py:3: imports infra.config, of the composition root (infra/), above the engine "
        "(hdhport/)",
        "hdhport/bench_use.py:1: imports bench, outside the layers (bench/)",
        "providers/up.py:5: imports infra.config, of the composition root (infra/), above the API families "
        "(providers/)",
        "policies/facts.py:1: imports providers.selfhosted.iaas, of the API families (providers/), above the "
        "engine (policies/)",
    ])


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "hdhport/__init__.py": "", "hdhport/a.py": "from hdhport import b\nfrom . import b as c\n",
        "hdhport/b.py": "import policies\n", "policies/__init__.py": "from hdhport import a\n",
        "providers/x.py": "from hdhport.a import b\n", "infra/y.py": "from providers import x\nimport hdhport\n",
    })
    assert violations(tmp_path) == []


def test_relative_imports_resolve_from_their_package() -> None:
    assert resolve_relative("providers.azure.tls", False, 1, "settings") == "providers.azure.settings"
    assert resolve_relative("providers.azure.tls", False, 2, "enclave") == "providers.enclave"
    assert resolve_relative("providers.azure", True, 1, "tls") == "providers.azure.tls"
    assert resolve_relative("hdhport.cost.cli", False, 1, None) == "hdhport.cost"
