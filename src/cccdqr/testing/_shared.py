"""Constants and small strategies every part of :mod:`cccdqr.testing` shares: the
event window, name parts, products, countries and units.

May import the library (any layer) and hypothesis; imports no other
``cccdqr.testing`` module.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from cccdqr.wire.base45 import ALPHABET as _ALPHABET

__all__ = [
    "BASE45_ALPHABET",
    "EVENT_END",
    "EVENT_START",
]


BASE45_ALPHABET = _ALPHABET
"""The 45 symbols of RFC 9285 Base45 (QR alphanumeric mode)."""

EVENT_START = dt.date(2020, 1, 2)
"""Earliest date any generated event (dose, test, recovery) falls on."""
EVENT_END = dt.date(2029, 12, 31)
"""Latest date any generated event falls on."""

UTC = dt.timezone.utc
VN1_PREFIX = "VN1:"

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
           "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Xuân", "Quốc", "Thu")
GIVEN = ("An", "Bảo", "Châu", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hương",
          "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Nhung", "Phúc",
          "Quân", "Quỳnh", "Sơn", "Thảo", "Trang", "Tuấn", "Uyên", "Việt", "Yến", "Đạt",
          "Ánh", "Ơn")

NATIONAL_PRODUCTS = ("VN-NANOCOVAX", "VN-COVIVAC", "NVX-CoV2373")
COUNTRIES = ("VN", "VN", "VN", "LA", "KH", "TH", "SG", "US", "DE", "JP")
UNITS = (
    "Trạm Y tế phường Bến Nghé, Quận 1",
    "Bệnh viện Bạch Mai",
    "Trung tâm Kiểm soát Bệnh tật TP. Hồ Chí Minh",
    "Bệnh viện Đa khoa tỉnh Đắk Lắk",
    "Trạm Y tế xã Đông Hưng",
)
UNIT_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệ" \
                "íìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ" \
                "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY0123456789 ,.-/"


def utc_datetimes(start: dt.datetime, end: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    """Aware UTC datetimes in whole seconds between ``start`` and ``end``."""
    return st.integers(int(start.timestamp()), int(end.timestamp())).map(
        lambda s: dt.datetime.fromtimestamp(s, UTC))
