"""readers/check_vectors.py over all three vector sets: ours, EU DCC, SMART Health Cards.

The per-set counts are pinned: a change in any of them (a new vector, a stage
that starts or stops agreeing, a new listed disagreement) is a change to look
at. A wrong expectation, in a copy of one vector of each kind, exits 1.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from cccdqr import Reason

import helpers

if str(helpers.ROOT) not in sys.path:
    sys.path.append(str(helpers.ROOT))  # for vectors.external
from vectors.external import eu_dcc, shc

VECTORS = helpers.ROOT / "vectors"
LINE = re.compile(r"^(?P<kind>[A-Za-z0-9 ]+) \((?P<folder>[^)]*)\): (?P<cases>\d+) cases, "
                  r"(?P<checks>\d+) checks, (?P<ok>\d+) ok, (?P<known>\d+) known disagreements, "
                  r"(?P<bad>\d+) mismatches$", re.M)


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    path = helpers.ROOT / "readers" / "check_vectors.py"
    spec = importlib.util.spec_from_file_location("cccdqr_check_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _run(checker: ModuleType, capsys: pytest.CaptureFixture[str], *args: str
         ) -> tuple[int, dict[str, tuple[int, ...]]]:
    """Exit code and, per set, (cases, checks, ok, known, mismatches)."""
    code = checker.main(list(args))
    out = capsys.readouterr().out
    lines = {m["kind"]: tuple(int(m[k]) for k in ("cases", "checks", "ok", "known", "bad"))
             for m in LINE.finditer(out)}
    return code, lines


def test_all_three_sets_pass_with_their_counts(checker: ModuleType,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    helpers.shared("vectors", "eu-dcc")  # present, or fail loudly
    helpers.shared("vectors", "shc")
    code, lines = _run(checker, capsys, "--all")
    assert code == 0
    assert lines == {
        "VN1": (46, 53, 53, 0, 0),
        "EU DCC": (438, 3834, 3744, 90, 0),
        "SMART Health Cards": (127, 130, 85, 45, 0),
    }
    # the known disagreements are exactly the listed ones
    assert len(eu_dcc.listed_disagreements()) == 90
    assert code == checker.main([]) == 0  # no argument: the same as --all
    capsys.readouterr()


def test_wrong_expectation_in_our_vector_exits_1(checker: ModuleType, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("trust.json", "valid-es256-1-dose.txt", "valid-es256-1-dose.png",
                 "valid-es256-1-dose.camera.jpg"):
        shutil.copy(VECTORS / name, tmp_path / name)
    doc = json.loads((VECTORS / "valid-es256-1-dose.json").read_text(encoding="utf-8"))
    (tmp_path / "valid-es256-1-dose.json").write_text(json.dumps(doc), encoding="utf-8")
    assert _run(checker, capsys, str(tmp_path)) == (0, {"VN1": (1, 2, 2, 0, 0)})
    doc["expected"] = {"valid": False, "status": "INVALID", "reasons": ["EXPIRED"]}
    (tmp_path / "valid-es256-1-dose.json").write_text(json.dumps(doc), encoding="utf-8")
    assert _run(checker, capsys, str(tmp_path)) == (1, {"VN1": (1, 2, 0, 0, 2)})


def test_eu_dcc_copy_flipped_and_listed(checker: ModuleType, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    source = helpers.shared("vectors", "eu-dcc")
    (tmp_path / "common").mkdir()
    (tmp_path / "ES").mkdir()
    shutil.copy(source / "ES" / "401.json", tmp_path / "ES" / "401.json")  # listed: VERIFY
    doc = json.loads((source / "common" / "CO3.json").read_text(encoding="utf-8"))
    (tmp_path / "common" / "CO3.json").write_text(json.dumps(doc), encoding="utf-8")
    code, lines = _run(checker, capsys, str(tmp_path))
    assert code == 0
    [(cases, checks, ok, known, bad)] = lines.values()
    assert (cases, known, bad) == (2, 1, 0) and ok == checks - 1
    doc["EXPECTEDRESULTS"]["EXPECTEDVERIFY"] = False  # CO3 verifies: now a mismatch
    (tmp_path / "common" / "CO3.json").write_text(json.dumps(doc), encoding="utf-8")
    code, lines = _run(checker, capsys, str(tmp_path))
    assert code == 1 and lines["EU DCC"][3:] == (1, 1)


def test_shc_wrong_verdict_exits_1(checker: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = helpers.shared("vectors", "shc")
    monkeypatch.setitem(shc.SIGNED, "spec-examples/example-00-d-jws.txt", Reason.EXPIRED)
    code, lines = _run(checker, capsys, str(folder))
    assert code == 1 and lines["SMART Health Cards"][4] == 1


def test_shc_stale_sdk_difference_exits_1(checker: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = helpers.shared("vectors", "shc")
    monkeypatch.setattr(shc, "SDK_DIFFERENCES",
                        (*shc.SDK_DIFFERENCES, ("*no-such-file*", "a reason for nothing")))
    code, lines = _run(checker, capsys, str(folder))
    assert code == 1 and lines["SMART Health Cards"][3:] == (45, 1)


def test_a_folder_of_no_known_kind_is_a_usage_error(checker: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        checker.main([str(tmp_path)])
    assert exit_.value.code == 2
