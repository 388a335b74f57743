"""Verdict classes and reason codes, with English and Vietnamese messages.

A reason's string value is stable: it is printed for staff to read out to
support and stored in logs, so it is never renamed. New reasons are appended.

The order in which checks run (and so which reason comes first) is fixed:
text layer -> decompression -> COSE structure -> algorithm and kid -> key
lookup -> signature -> claims and record -> times -> revocation -> content.
"""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["Lang", "Reason", "Status"]

Lang = Literal["en", "vi"]


class Status(enum.Enum):
    """The three verdict classes staff must tell apart."""

    VALID = "VALID"
    INVALID = "INVALID"
    """Proven bad: tampered, wrong signature, expired, revoked, malformed."""
    CANNOT_CHECK = "CANNOT_CHECK"
    """Not proof of forgery: unknown issuer or key, trust data missing or stale."""

    def message(self, lang: Lang = "en") -> str:
        return _STATUS_TEXT[self][0 if lang == "en" else 1]


_STATUS_TEXT = {
    Status.VALID: ("Valid", "Hợp lệ"),
    Status.INVALID: ("Invalid", "Không hợp lệ"),
    Status.CANNOT_CHECK: ("Cannot check", "Không thể kiểm tra"),
}


class Reason(enum.Enum):
    """Why a code did not verify (or, for warnings, what the verdict leaves out)."""

    # text layer
    EMPTY_INPUT = "EMPTY_INPUT"
    INPUT_TOO_LARGE = "INPUT_TOO_LARGE"
    NOT_TEXT = "NOT_TEXT"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    BAD_BASE45 = "BAD_BASE45"
    # decompression
    BAD_COMPRESSION = "BAD_COMPRESSION"
    DECOMPRESSED_TOO_LARGE = "DECOMPRESSED_TOO_LARGE"
    # COSE / CBOR structure
    BAD_COSE = "BAD_COSE"
    CBOR_TOO_DEEP = "CBOR_TOO_DEEP"
    CBOR_TOO_MANY_ITEMS = "CBOR_TOO_MANY_ITEMS"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    TRAILING_DATA = "TRAILING_DATA"
    # algorithm and kid
    ALG_NOT_ALLOWED = "ALG_NOT_ALLOWED"
    MISSING_KID = "MISSING_KID"
    KID_CONFLICT = "KID_CONFLICT"
    # key lookup
    UNKNOWN_KID = "UNKNOWN_KID"
    ALG_KEY_MISMATCH = "ALG_KEY_MISMATCH"
    KEY_OUTSIDE_VALIDITY = "KEY_OUTSIDE_VALIDITY"  # checked with the times (step 8)
    # signature
    BAD_SIGNATURE = "BAD_SIGNATURE"
    # claims and record
    BAD_CLAIMS = "BAD_CLAIMS"
    BAD_RECORD = "BAD_RECORD"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    ISSUER_MISMATCH = "ISSUER_MISMATCH"
    RECORD_TYPE_NOT_ALLOWED = "RECORD_TYPE_NOT_ALLOWED"
    # times
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    # content: the CCCD number
    CCCD_FORMAT = "CCCD_FORMAT"
    CCCD_UNKNOWN_PROVINCE = "CCCD_UNKNOWN_PROVINCE"
    CCCD_CENTURY_MISMATCH = "CCCD_CENTURY_MISMATCH"
    CCCD_BIRTH_YEAR_MISMATCH = "CCCD_BIRTH_YEAR_MISMATCH"
    CCCD_SEX_MISMATCH = "CCCD_SEX_MISMATCH"
    # a bug in cccdqr, never the holder's fault
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # warnings: never the primary reason of a rejection
    REVOCATION_NOT_CHECKED = "REVOCATION_NOT_CHECKED"
    # --- appended for the interop formats (JSON and JWS based, X.509 chains) ---
    JSON_TOO_LARGE = "JSON_TOO_LARGE"
    BAD_JSON = "BAD_JSON"
    BAD_JWS = "BAD_JWS"
    BAD_SIGNER_CERTIFICATE = "BAD_SIGNER_CERTIFICATE"
    UNKNOWN_CA = "UNKNOWN_CA"
    SIGNER_REVOKED = "SIGNER_REVOKED"
    CRL_STALE = "CRL_STALE"
    DEPRECATED_CHUNKING = "DEPRECATED_CHUNKING"  # warning
    # --- appended for revocation lists ---
    REVOKED = "REVOKED"
    REVOCATION_STALE = "REVOCATION_STALE"
    # --- appended for the card QR and identity binding (bind(), parse_card_qr()) ---
    CARD_FIELD_COUNT = "CARD_FIELD_COUNT"
    CARD_BAD_DATE = "CARD_BAD_DATE"
    CARD_BAD_ID = "CARD_BAD_ID"
    ID_MISMATCH = "ID_MISMATCH"
    NAME_MISMATCH = "NAME_MISMATCH"
    DOB_MISMATCH = "DOB_MISMATCH"
    ID_NOT_CHECKED = "ID_NOT_CHECKED"  # warning
    DOB_PARTIAL = "DOB_PARTIAL"  # warning
    # --- appended for content a format carries that this verifier cannot read ---
    UNSUPPORTED_CONTENT = "UNSUPPORTED_CONTENT"
    INCOMPLETE_CHUNKS = "INCOMPLETE_CHUNKS"
    # --- appended for the checkpoint decision (cccdqr.decide) ---
    POLICY_NOT_MET = "POLICY_NOT_MET"
    # --- appended for the EU verifier ecosystem (#17): tolerated, not rejected ---
    SIGNER_CERTIFICATE_NOT_DER = "SIGNER_CERTIFICATE_NOT_DER"  # warning
    ISSUER_NOT_A_COUNTRY = "ISSUER_NOT_A_COUNTRY"  # warning

    @property
    def status(self) -> Status | None:
        """The verdict class this reason implies; ``None`` for a warning."""
        return _TABLE[self][0]

    @property
    def is_warning(self) -> bool:
        return _TABLE[self][0] is None

    def message(self, lang: Lang = "en") -> str:
        _, english, vietnamese = _TABLE[self]
        return english if lang == "en" else vietnamese


_I, _C, _W = Status.INVALID, Status.CANNOT_CHECK, None

_TABLE: dict[Reason, tuple[Status | None, str, str]] = {
    Reason.EMPTY_INPUT: (_I, "Nothing was scanned.", "Không có dữ liệu được quét."),
    Reason.INPUT_TOO_LARGE: (
        _I, "The code is larger than any certificate.", "Mã lớn hơn mọi chứng nhận hợp lệ."),
    Reason.NOT_TEXT: (
        _I, "The code does not hold text.", "Mã không chứa văn bản."),
    Reason.UNKNOWN_FORMAT: (
        _I, "Not a health certificate this verifier knows.",
        "Không phải chứng nhận y tế mà trình kiểm tra này hỗ trợ."),
    Reason.BAD_BASE45: (
        _I, "The code's text is damaged (bad Base45).", "Nội dung mã bị hỏng (Base45 sai)."),
    Reason.BAD_COMPRESSION: (
        _I, "The code's data is damaged (bad compression).",
        "Dữ liệu mã bị hỏng (lỗi nén)."),
    Reason.DECOMPRESSED_TOO_LARGE: (
        _I, "The code unpacks to more data than allowed.",
        "Dữ liệu giải nén vượt quá giới hạn cho phép."),
    Reason.BAD_COSE: (
        _I, "The signed structure is malformed.", "Cấu trúc chữ ký không đúng định dạng."),
    Reason.CBOR_TOO_DEEP: (
        _I, "The data is nested too deeply.", "Dữ liệu lồng nhau quá sâu."),
    Reason.CBOR_TOO_MANY_ITEMS: (
        _I, "The data has too many items.", "Dữ liệu có quá nhiều phần tử."),
    Reason.DUPLICATE_KEY: (
        _I, "The data repeats a field.", "Dữ liệu có trường bị lặp lại."),
    Reason.TRAILING_DATA: (
        _I, "Extra data follows the signed structure.",
        "Có dữ liệu thừa sau cấu trúc chữ ký."),
    Reason.ALG_NOT_ALLOWED: (
        _I, "The signature algorithm is not allowed.", "Thuật toán chữ ký không được phép."),
    Reason.MISSING_KID: (
        _I, "The code does not name its signing key.", "Mã không ghi khóa ký."),
    Reason.KID_CONFLICT: (
        _I, "The code names two different signing keys.", "Mã ghi hai khóa ký khác nhau."),
    Reason.UNKNOWN_KID: (
        _C, "The signing key is not in the trust list.",
        "Khóa ký không có trong danh sách tin cậy."),
    Reason.ALG_KEY_MISMATCH: (
        _I, "The signature algorithm does not match the issuer's key.",
        "Thuật toán chữ ký không khớp với khóa của đơn vị cấp."),
    Reason.KEY_OUTSIDE_VALIDITY: (
        _I, "The issuer's key is not valid at this time.",
        "Khóa của đơn vị cấp không còn hiệu lực tại thời điểm này."),
    Reason.BAD_SIGNATURE: (
        _I, "The signature is not valid: the code was altered or forged.",
        "Chữ ký không hợp lệ: mã đã bị sửa hoặc giả mạo."),
    Reason.BAD_CLAIMS: (
        _I, "The certificate's header fields are missing or malformed.",
        "Thông tin chung của chứng nhận bị thiếu hoặc sai định dạng."),
    Reason.BAD_RECORD: (
        _I, "The health record is missing or malformed.",
        "Hồ sơ sức khỏe bị thiếu hoặc sai định dạng."),
    Reason.UNSUPPORTED_VERSION: (
        _C, "The certificate uses a newer format version than this verifier supports.",
        "Chứng nhận dùng phiên bản định dạng mới hơn trình kiểm tra này hỗ trợ."),
    Reason.ISSUER_MISMATCH: (
        _I, "The certificate names another issuer than its signing key.",
        "Chứng nhận ghi đơn vị cấp khác với khóa đã ký."),
    Reason.RECORD_TYPE_NOT_ALLOWED: (
        _I, "The issuer's key may not sign this kind of record.",
        "Khóa của đơn vị cấp không được phép ký loại hồ sơ này."),
    Reason.NOT_YET_VALID: (
        _I, "The certificate is not valid yet.", "Chứng nhận chưa có hiệu lực."),
    Reason.EXPIRED: (_I, "The certificate has expired.", "Chứng nhận đã hết hạn."),
    Reason.CCCD_FORMAT: (
        _I, "The ID number is not 12 digits.", "Số CCCD không gồm 12 chữ số."),
    Reason.CCCD_UNKNOWN_PROVINCE: (
        _I, "The ID number's province code is unknown.",
        "Mã tỉnh trong số CCCD không tồn tại."),
    Reason.CCCD_CENTURY_MISMATCH: (
        _I, "The ID number's century digit does not match the date of birth.",
        "Mã thế kỷ trong số CCCD không khớp với ngày sinh."),
    Reason.CCCD_BIRTH_YEAR_MISMATCH: (
        _I, "The ID number's birth year does not match the date of birth.",
        "Năm sinh trong số CCCD không khớp với ngày sinh."),
    Reason.CCCD_SEX_MISMATCH: (
        _I, "The ID number's sex digit does not match the holder's sex.",
        "Mã giới tính trong số CCCD không khớp với giới tính."),
    Reason.INTERNAL_ERROR: (
        _C, "The verifier failed unexpectedly; please report this.",
        "Trình kiểm tra gặp lỗi ngoài dự kiến; vui lòng báo lỗi."),
    Reason.REVOCATION_NOT_CHECKED: (
        _W, "Revocation was not checked (no revocation list given).",
        "Chưa kiểm tra thu hồi (không có danh sách thu hồi)."),
    Reason.JSON_TOO_LARGE: (
        _I, "The code's JSON is larger than allowed.", "Dữ liệu JSON của mã vượt quá giới hạn."),
    Reason.BAD_JSON: (
        _I, "The code's JSON is malformed.", "Dữ liệu JSON của mã sai định dạng."),
    Reason.BAD_JWS: (
        _I, "The signed web token is malformed.", "Mã thông báo web có chữ ký sai định dạng."),
    Reason.BAD_SIGNER_CERTIFICATE: (
        _I, "The signer's certificate is malformed or not issued by its authority.",
        "Chứng thư của bên ký sai định dạng hoặc không do cơ quan cấp phát hành."),
    Reason.UNKNOWN_CA: (
        _C, "The signer's certificate authority is not in the trust list.",
        "Cơ quan cấp chứng thư của bên ký không có trong danh sách tin cậy."),
    Reason.SIGNER_REVOKED: (
        _I, "The signer's certificate has been revoked by its authority.",
        "Chứng thư của bên ký đã bị cơ quan cấp thu hồi."),
    Reason.CRL_STALE: (
        _C, "The authority's revocation list is out of date.",
        "Danh sách thu hồi của cơ quan cấp đã quá hạn."),
    Reason.DEPRECATED_CHUNKING: (
        _W, "The code was split over several QR images, a deprecated form.",
        "Mã được chia thành nhiều ảnh QR, một dạng không còn được khuyến nghị."),
    Reason.REVOKED: (
        _I, "The certificate has been revoked by its issuer.", "Chứng nhận đã bị đơn vị cấp thu hồi."),
    Reason.REVOCATION_STALE: (
        _C, "The revocation list is out of date.", "Danh sách thu hồi đã quá hạn."),
    Reason.CARD_FIELD_COUNT: (
        _I, "The ID card's QR does not have the expected fields.",
        "Mã QR trên thẻ căn cước không có đủ các trường."),
    Reason.CARD_BAD_DATE: (
        _I, "The ID card's QR holds an invalid date.", "Mã QR trên thẻ căn cước có ngày không hợp lệ."),
    Reason.CARD_BAD_ID: (
        _I, "The ID card's QR holds an invalid ID number.",
        "Mã QR trên thẻ căn cước có số định danh không hợp lệ."),
    Reason.ID_MISMATCH: (
        _I, "The ID number on the card and on the certificate differ.",
        "Số định danh trên thẻ và trên chứng nhận khác nhau."),
    Reason.NAME_MISMATCH: (
        _I, "The name on the card and on the certificate differ.",
        "Họ tên trên thẻ và trên chứng nhận khác nhau."),
    Reason.DOB_MISMATCH: (
        _I, "The date of birth on the card and on the certificate differ.",
        "Ngày sinh trên thẻ và trên chứng nhận khác nhau."),
    Reason.ID_NOT_CHECKED: (
        _W, "This certificate carries no ID number; only name and date of birth were matched.",
        "Chứng nhận này không có số định danh; chỉ đối chiếu họ tên và ngày sinh."),
    Reason.DOB_PARTIAL: (
        _W, "The certificate gives only part of the date of birth; matched at that precision.",
        "Chứng nhận chỉ ghi một phần ngày sinh; đã đối chiếu ở mức đó."),
    Reason.UNSUPPORTED_CONTENT: (
        _C, "The code is genuine but holds no record this verifier can read.",
        "Mã là thật nhưng không chứa hồ sơ mà trình kiểm tra này đọc được."),
    Reason.INCOMPLETE_CHUNKS: (
        _C, "Only part of a code split over several QR images was scanned; scan them all.",
        "Mới quét một phần của mã gồm nhiều ảnh QR; hãy quét tất cả."),
    Reason.POLICY_NOT_MET: (
        _I, "The certificate is genuine but does not meet the entry rules.",
        "Chứng nhận là thật nhưng không đáp ứng quy định."),
    Reason.SIGNER_CERTIFICATE_NOT_DER: (
        _W, "The signer certificate breaks strict DER encoding; its usages were read leniently.",
        "Chứng thư của bên ký không đúng mã hóa DER chặt chẽ; phạm vi sử dụng được đọc nới lỏng."),
    Reason.ISSUER_NOT_A_COUNTRY: (
        _W, "The issuer claim is not a country code; the signer certificate's country was used.",
        "Trường bên cấp không phải mã quốc gia; đã dùng quốc gia của chứng thư bên ký."),
}


def verdict_line(status: Status, reasons: tuple[Reason, ...], lang: Lang = "en") -> str:
    """The verdict and its primary reason as one line for staff (for a
    verification result and for a checkpoint decision alike)."""
    head = status.message(lang)
    return f"{head}: {reasons[0].message(lang)}" if reasons else head
