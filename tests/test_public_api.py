"""The public surface: __all__ is exactly what cccdqr/__init__.py defines, and import is light."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import types
from pathlib import Path

import cccdqr

INIT = Path(cccdqr.__file__)


def _names_bound_in_init() -> set[str]:
    """Public names bound at the top level of cccdqr/__init__.py, read from its source."""
    tree = ast.parse(INIT.read_text("utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def _public_attributes() -> set[str]:
    """Public, non-module attributes of the imported package."""
    return {
        name for name, value in vars(cccdqr).items()
        if not name.startswith("_") and name != "annotations"
        and not isinstance(value, types.ModuleType)
    }


def test_all_equals_names_defined_in_init() -> None:
    assert len(cccdqr.__all__) == len(set(cccdqr.__all__)), "duplicates in __all__"
    assert set(cccdqr.__all__) == _names_bound_in_init()


def test_all_equals_public_attributes() -> None:
    assert set(cccdqr.__all__) == _public_attributes()


def test_every_name_in_all_exists() -> None:
    for name in cccdqr.__all__:
        assert hasattr(cccdqr, name), name
        assert not isinstance(getattr(cccdqr, name), types.ModuleType), name


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from cccdqr import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(cccdqr.__all__)


def test_core_names_present() -> None:
    for name in ("verify", "verify_many", "inspect", "Issuer", "TrustStore", "TrustedKey",
                 "VerificationResult", "Status", "Reason", "HealthCertificate", "Subject",
                 "Vaccination", "Test", "Recovery", "Limits", "CccdqrError"):
        assert name in cccdqr.__all__
    assert callable(cccdqr.verify)
    assert isinstance(cccdqr.__version__, str)


def test_exceptions_share_one_root() -> None:
    for name in cccdqr.__all__:
        obj = getattr(cccdqr, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, cccdqr.CccdqrError), name


HEAVY = ("segno", "zxingcpp", "pyzbar", "PIL", "cv2", "numpy", "pyarrow", "dask")


def test_import_is_light() -> None:
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import cccdqr\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(json.dumps(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"import cccdqr pulled in {loaded}"


def test_subprocess_check_would_see_a_heavy_import() -> None:
    """The check above can fail: json itself shows up when imported."""
    code = "import json, sys\nimport cccdqr\nprint(json.dumps('cbor2' in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is True
