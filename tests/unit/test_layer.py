"""The Lambda layer holds what deployed functions run: the heard package and its runtime
dependencies, without the local stack, test code or the AWS SDK the runtime already has."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "scripts" / "layer" / "Makefile"
SHARED = ROOT / "shared"
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
# Import names of the layer's requirements (distribution name -> top-level module).
IMPORT_NAMES = {
    "aws-lambda-powertools": "aws_lambda_powertools",
    "pydantic": "pydantic",
    "httpx": "httpx",
    "pyyaml": "yaml",
    "tzdata": "tzdata",
    "nh3": "nh3",
    "feedparser": "feedparser",
    "cryptography": "cryptography",
}
# The triage function's model layer (TriageModelLayer), imported by heard.triage.contextual alone.
MODEL_IMPORT_NAMES = {"onnxruntime": "onnxruntime", "numpy": "numpy", "tokenizers": "tokenizers"}
MODEL_MODULES = {"heard/triage/contextual.py"}


def _make(target: str, artifacts: Path) -> None:
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), target, f"ARTIFACTS_DIR={artifacts}"],
        cwd=SHARED,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _requirement_names(lines: list[str]) -> dict[str, str]:
    """``{"pydantic": "pydantic==2.14.3", ...}``: name (lower case, extras dropped) -> pin."""
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[\[=<>!~ ]", line, maxsplit=1)[0].lower()
            pins[name] = line
    return pins


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifacts = tmp_path_factory.mktemp("layer")
    site = artifacts / "python"
    # What pip leaves before the prune step: the runtime's SDK beside a real dependency.
    for name in ("boto3", "botocore", "s3transfer", "pydantic"):
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("")
        (site / f"{name}-1.0.dist-info").mkdir()
    (site / "six.py").write_text("")
    _make("layer-prune", artifacts)
    _make("layer-code", artifacts)
    return site


def test_the_runtime_provided_sdk_is_pruned_and_other_dependencies_stay(layer: Path) -> None:
    names = {p.name for p in layer.iterdir()}
    assert not {n.split("-")[0].removesuffix(".py") for n in names} & RUNTIME_PROVIDED
    assert {"pydantic", "pydantic-1.0.dist-info", "heard"} <= names


def test_the_layer_holds_no_local_stack_cli_or_tests(layer: Path) -> None:
    files = [p.relative_to(layer).as_posix() for p in (layer / "heard").rglob("*") if p.is_file()]
    assert files, "layer-code copied nothing"
    assert "heard/pipeline.py" in files
    for banned in ("heard_local", "heard_cli", "local/", "__pycache__", "tests/", "conftest"):
        assert not [f for f in files if banned in f], banned
    assert not [f for f in files if Path(f).name.startswith("test_")]
    assert {Path(f).suffix for f in files} <= {".py", ".gz", ".json", ".css", ".js"}
    # The feedback form's static files are package data, served from the layer.
    from heard.feedback.assets import ASSETS

    assert {f"heard/feedback/assets/{name}" for name in ASSETS} <= set(files)
    assert not [f for f in files if Path(f).suffix in (".css", ".js") and "/assets/" not in f]


def test_the_layer_imports_only_its_requirements_and_the_runtime(layer: Path) -> None:
    """Every module the layer's code imports is the stdlib, heard itself, a requirement of the
    layer, or the runtime's AWS SDK: nothing installed only for development."""
    requirements = _requirement_names((SHARED / "requirements.txt").read_text().splitlines())
    allowed = (
        set(sys.stdlib_module_names)
        | {"heard"}
        | {IMPORT_NAMES[name] for name in requirements}
        | RUNTIME_PROVIDED
    )
    strays = {}
    for path in (layer / "heard").rglob("*.py"):
        here = path.relative_to(layer).as_posix()
        extra = set(MODEL_IMPORT_NAMES.values()) if here in MODEL_MODULES else set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                if module.split(".")[0] not in allowed | extra:
                    strays[f"{path.relative_to(layer)}:{node.lineno}"] = module
    assert strays == {}


def test_the_model_layer_pins_the_projects_model_extra() -> None:
    """TriageModelLayer installs shared/requirements-model.txt plus tokenizers (without its
    download helpers): the same pins as pyproject's ``model`` extra."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    model = _requirement_names(extra["optional-dependencies"]["model"])
    layer = _requirement_names((SHARED / "requirements-model.txt").read_text().splitlines())
    installed_apart = re.findall(r"tokenizers==[\w.]+", MAKEFILE.read_text())
    assert installed_apart == [model["tokenizers"]]
    assert {**layer, "tokenizers": installed_apart[0]} == model
    assert set(model) == set(MODEL_IMPORT_NAMES)


def test_the_heard_layer_leaves_the_model_to_its_own_layer(layer: Path) -> None:
    assert not (layer / "heard_triage_model").exists()
    assert not list(layer.rglob("*.onnx"))


def test_layer_requirements_match_the_projects_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    layer = _requirement_names((SHARED / "requirements.txt").read_text().splitlines())
    assert layer == _requirement_names(project["dependencies"])
    assert set(layer) == set(IMPORT_NAMES)
