"""The comparison form of a person's name, shared by the card QR and binding.

Owns :func:`fold_name`. Imports nothing from cccdqr.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold_name"]

# After case folding: đ (Vietnamese d with stroke) and its look-alike ð (eth,
# what Ð becomes) are letters of their own, not d plus a mark, so NFD keeps them.
_STROKE = str.maketrans({"đ": "d", "ð": "d"})

def fold_name(name: str) -> str:
    """The comparison form of a name: ``fold_name("ĐẶNG  Thị Ngọc ÁNH") == "dang thi ngoc anh"``.

    Exactly, in this order:

    1. ``str.casefold()`` (first, because folding can itself add a combining
       mark: ``İ`` becomes ``i`` + U+0307);
    2. Unicode NFD, then every nonspacing mark (category ``Mn``: Vietnamese
       tone marks, breve, circumflex, horn) and every format character
       (category ``Cf``: zero-width spaces and joiners, BOM) is removed;
    3. ``đ`` → ``d``, and ``ð`` → ``d`` (``Ð``, eth, is a common look-alike
       typed for ``Đ``);
    4. whitespace runs (any Unicode whitespace) become one space, and the
       ends are trimmed.

    Nothing else changes: hyphens, apostrophes and the order of the words are
    kept. Any NFC/NFD spelling, case, or spacing of a name gives the same form.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be str, not {type(name).__name__}")
    decomposed = unicodedata.normalize("NFD", name.casefold())
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Cf"))
    return " ".join(kept.translate(_STROKE).split())
