"""Value sets for CertLogic rules: ``external.valueSets``, a map from a value-set
id (``covid-19-lab-test-type``) to the list of its codes.

Reads the two shapes value sets are published in: the eHealth Network value-set
files (``{valueSetId, valueSetDate, valueSetValues: {code: {...}}}``, one per
file, or a folder of them) and the compressed map rules are tested with
(``{id: [codes]}``). :func:`default_value_sets` is the copy shipped in
``cccdqr/data/valuesets.json`` (source in ``data/SOURCE.md``). Imports ``core``
only.
"""

from __future__ import annotations

import functools
import json
import os
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

from cccdqr.core.errors import PolicyError

__all__ = ["ValueSets", "default_value_sets", "load_value_sets", "value_sets_from_json"]

ValueSets = dict[str, list[str]]
"""Value-set id -> its codes: plain JSON, as CertLogic's ``var`` and ``in`` read it."""


def value_sets_from_json(document: Any, origin: str = "value sets") -> ValueSets:
    """The ``{id: [codes]}`` map of one parsed document: a value-set file, a
    list of them, or a compressed map. :class:`PolicyError` when it is neither."""
    if isinstance(document, list):
        out: ValueSets = {}
        for item in document:
            out.update(value_sets_from_json(item, origin))
        return out
    if not isinstance(document, dict):
        raise PolicyError(f"{origin}: not a value-set file or a map of value sets")
    if "valueSetId" in document:
        ident, values = document.get("valueSetId"), document.get("valueSetValues")
        if not isinstance(ident, str) or not isinstance(values, dict):
            raise PolicyError(f"{origin}: a value-set file needs a text valueSetId and a valueSetValues map")
        return {ident: [str(code) for code in values]}
    for ident, codes in document.items():
        if not (isinstance(codes, list) and all(isinstance(c, str) for c in codes)):
            raise PolicyError(f"{origin}: value set {ident!r} must be a list of text codes")
    return {str(k): list(v) for k, v in document.items()}


def load_value_sets(path: str | os.PathLike[str]) -> ValueSets:
    """Value sets from a file (either shape) or a folder of value-set files;
    files that are not value sets (a JSON schema, say) in a folder are skipped."""
    root = Path(path)
    if root.is_dir():
        out: ValueSets = {}
        for file in sorted(root.glob("*.json")):
            document = _read(file)
            if isinstance(document, dict) and "valueSetId" in document:
                out.update(value_sets_from_json(document, str(file)))
        if not out:
            raise PolicyError(f"no value-set files in {os.fspath(path)!r}")
        return out
    return value_sets_from_json(_read(root), os.fspath(path))


def _read(file: Path) -> Any:
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PolicyError(f"cannot read value sets {os.fspath(file)!r}: {exc}") from None


def default_value_sets() -> ValueSets:
    """A fresh copy of the EU value sets shipped with cccdqr."""
    return {k: list(v) for k, v in _shipped().items()}


@functools.cache
def _shipped() -> Mapping[str, tuple[str, ...]]:
    text = resources.files("cccdqr").joinpath("data", "valuesets.json").read_text("utf-8")
    sets = value_sets_from_json(json.loads(text), "the shipped value sets")
    return MappingProxyType({k: tuple(v) for k, v in sets.items()})
