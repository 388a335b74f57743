"""The HTTP API: the verdict JSON is the CLI's byte for byte, every limit and bad
input gets its status and reason code, and nothing gives a 500."""

from __future__ import annotations

import io
import logging

import codes
import pytest
from PIL import Image
from starlette.testclient import TestClient

from cccdqr.cli.app import main


def cli_json(capsys: pytest.CaptureFixture[str], world: codes.World, text: str,
             card: str | None = None) -> bytes:
    argv = ["verify", text, "--trust", str(world.trust), "--json", "--at", codes.NOW.isoformat()]
    if card is not None:
        argv += ["--card", card]
    with pytest.raises(SystemExit):
        main(argv)
    return capsys.readouterr().out.encode("utf-8")


@pytest.mark.parametrize("name", ["valid", "tampered", "dcc", "unknown", "card_cert"])
def test_verify_is_the_cli_json_byte_for_byte(client: TestClient, world: codes.World,
                                             capsys: pytest.CaptureFixture[str], name: str) -> None:
    text = world.named()[name]
    as_json = client.post("/v1/verify", json={"text": text})
    as_text = client.post("/v1/verify", content=text.encode(), headers={"content-type": "text/plain"})
    assert as_json.status_code == as_text.status_code == 200
    assert as_json.content == as_text.content == cli_json(capsys, world, text)


def test_verify_with_a_card_is_the_cli_json(client: TestClient, world: codes.World,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for cert, matched in ((world.card_cert, True), (world.valid, False)):
        r = client.post("/v1/verify", json={"text": cert, "card": world.card})
        assert r.status_code == 200 and r.content == cli_json(capsys, world, cert, world.card)
        assert r.json()["binding"]["matched"] is matched


def test_every_verdict_is_http_200(client: TestClient, world: codes.World) -> None:
    statuses = {n: client.post("/v1/verify", json={"text": t}).json()["decision"]["status"]
                for n, t in world.named().items()}
    assert statuses == {"valid": "VALID", "tampered": "INVALID", "dcc": "VALID",
                        "unknown": "CANNOT_CHECK", "card": "INVALID", "card_cert": "VALID"}


def _error(r: object, status: int, code: str) -> None:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    doc = r.json()  # type: ignore[attr-defined]
    assert doc["error"] == code and doc["messages"]["en"] and doc["messages"]["vi"]


def test_limits_and_bad_input(client: TestClient, world: codes.World) -> None:
    big = "VN1:" + "A" * 16 * 1024
    _error(client.post("/v1/verify", content=big, headers={"content-type": "text/plain"}),
           413, "TEXT_TOO_LARGE")
    _error(client.post("/v1/verify", json={"text": big}), 413, "TEXT_TOO_LARGE")
    _error(client.post("/v1/verify", json={"text": world.valid, "card": big}), 413, "TEXT_TOO_LARGE")
    _error(client.post("/v1/verify", content=b"x" * 70_000, headers={"content-type": "text/plain"}),
           413, "BODY_TOO_LARGE")
    _error(client.post("/v1/scan", content=b"\x89PNG\r\n\x1a\n" + bytes(8 * 1024 * 1024),
                       headers={"content-type": "image/png"}), 413, "IMAGE_TOO_LARGE")
    for body in (b"{", b"\xff\xfe", b"[1,", b"[" * 100_00 + b"]" * 100_00):
        _error(client.post("/v1/verify", content=body, headers={"content-type": "application/json"}),
               400, "BAD_JSON")
    for doc in ([], 3, {"card": "x"}, {"text": 5}, {"text": "x", "card": 3}, {"text": "x", "y": 1}):
        _error(client.post("/v1/verify", json=doc), 400, "BAD_REQUEST")
    for media in ("application/xml", "image/png", "multipart/form-data"):
        _error(client.post("/v1/verify", content=b"x", headers={"content-type": media}),
               415, "UNSUPPORTED_MEDIA_TYPE")
    for media in ("text/plain", "application/json", "image/gif", ""):
        _error(client.post("/v1/scan", content=b"x", headers={"content-type": media}),
               415, "UNSUPPORTED_MEDIA_TYPE")
    _error(client.post("/v1/scan", content=b"GIF89a", headers={"content-type": "image/png"}),
           400, "IMAGE_UNREADABLE")
    _error(client.post("/v1/scan", content=b"\x89PNG\r\n\x1a\n" + b"junk" * 50,
                       headers={"content-type": "image/png"}), 400, "IMAGE_UNREADABLE")
    _error(client.post("/v1/scan", content=b"\xff\xd8\xff" + b"\x00" * 300,
                       headers={"content-type": "image/jpeg"}), 400, "IMAGE_UNREADABLE")
    _error(client.post("/v1/verify", json={"text": world.valid, "card": "001303004567|x"}),
           400, "CARD_FIELD_COUNT")
    _error(client.get("/v1/verify"), 405, "METHOD_NOT_ALLOWED")
    _error(client.get("/HC1:NCFOXN"), 404, "NOT_FOUND")


def test_a_small_file_that_unpacks_to_a_huge_image_is_refused(client: TestClient) -> None:
    buf = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(buf, "PNG")
    assert len(buf.getvalue()) < 8 * 1024 * 1024
    _error(client.post("/v1/scan", content=buf.getvalue(), headers={"content-type": "image/png"}),
           413, "IMAGE_TOO_LARGE")


def test_garbage_never_gives_a_500(client: TestClient) -> None:
    import random

    rng = random.Random(16)
    for _ in range(200):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
        for path, media in (("/v1/verify", "text/plain"), ("/v1/verify", "application/json"),
                            ("/v1/scan", "image/png"), ("/v1/scan", "image/jpeg"),
                            ("/v1/card", "text/plain")):
            r = client.post(path, content=body, headers={"content-type": media})
            assert r.status_code in (200, 400, 413, 415), (path, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/json")


def test_an_unforeseen_failure_is_a_reason_coded_422(client: TestClient, world: codes.World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cccdqr.serve import app

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "verify", broken)
    r = client.post("/v1/verify", json={"text": world.valid})
    _error(r, 422, "CANNOT_PROCESS")
    assert "boom" not in r.text and "Traceback" not in r.text


def test_scan_reads_every_code_and_tells_cards_apart(client: TestClient, world: codes.World) -> None:
    images = [codes.qr_image(t) for t in (world.card, world.valid)]
    sheet = Image.new("L", (sum(i.width for i in images) + 40, max(i.height for i in images)), 255)
    sheet.paste(images[0], (0, 0))
    sheet.paste(images[1], (images[0].width + 40, 0))
    for fmt, media in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        buf = io.BytesIO()
        sheet.save(buf, fmt)
        r = client.post("/v1/scan", content=buf.getvalue(), headers={"content-type": media})
        assert r.status_code == 200
        found = {c["kind"]: c for c in r.json()["codes"]}
        assert found["card"]["name"] == "Trần Thị Bình" and found["card"]["dob"] == "2003-02-11"
        assert found["certificate"]["result"]["decision"]["status"] == "VALID"


def test_health_page_and_reasons(client: TestClient) -> None:
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["trust"]["loaded"] and h["trust"]["keys"] == 2
    assert h["policy"] is None and h["revocation"] is None and h["reload_error"] is None
    page = client.get("/")
    assert page.status_code == 200 and 'id="verdict-word"' in page.text
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "CANNOT CHECK" in script.text
    for asset in (page.text, script.text, client.get("/static/app.css").text):
        assert "//" + "cdn" not in asset and "http" + "s:" not in asset and "http" + ":" not in asset
    reasons = client.get("/v1/reasons").json()
    assert reasons["reasons"]["UNKNOWN_FORMAT"]["vi"]


def test_the_access_log_holds_no_code_and_no_personal_data(client: TestClient, world: codes.World,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="cccdqr.serve.access"):
        client.post("/v1/verify", json={"text": world.valid, "card": world.card})
        client.post("/v1/verify?text=" + world.valid[:40], content=world.valid)
        client.get("/" + world.valid[:30])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged.count("POST /v1/verify 200") == 2 and "GET <other> 404" in logged
    for secret in (world.valid[:12], "VN1", "Bình", "Binh", "001303004567", "2003", "An"):
        assert secret not in logged
