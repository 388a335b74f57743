"""The checkpoint page in Debian's Chromium with a fake camera playing rendered
codes: the verdicts appear in the DOM in the order the camera showed them."""

from __future__ import annotations

from pathlib import Path

import browser
import codes
import pytest

from cccdqr.serve.state import Sources

FPS = 10
SIZE = (640, 480)
EXPECTED = [("VALID", None), ("INVALID", None), ("VALID", None), ("CANNOT_CHECK", None),
            ("CARD", None), ("VALID", True)]


@pytest.fixture(scope="module")
def camera(world: codes.World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each code for 1 s after 0.3 s of empty paper, at 640×480 and 10 frames/s."""
    blank = codes.frame(None, SIZE)
    frames = []
    for _name, text in codes.sequence(world):
        frames += [blank] * 3 + [codes.frame(text, SIZE)] * FPS
    path = tmp_path_factory.mktemp("camera") / "codes.y4m"
    codes.write_y4m(path, frames + [blank] * FPS, FPS)
    return path


def test_the_camera_verdicts_in_order(world: codes.World, camera: Path, tmp_path: Path) -> None:
    with browser.service(Sources(trust=str(world.trust)), codes.NOW) as base, \
            browser.chromium(camera) as page:
        page.goto(base + "/?lang=en")
        page.wait_for_function("window.__cccdqr && window.__cccdqr.verdicts.length >= 6", timeout=30_000)
        verdicts = page.evaluate("window.__cccdqr.verdicts.slice(0, 6)")
        shots = tmp_path / "checkpoint.png"
        page.wait_for_function("document.getElementById('binding').dataset.matched !== ''")
        page.screenshot(path=str(shots), full_page=True)
        print(f"screenshot: {shots}")
        assert [(v["status"], v["matched"]) for v in verdicts] == EXPECTED
        assert [v["reason"] for v in verdicts][:4] == [None, "BAD_SIGNATURE", None, "UNKNOWN_KID"]
        assert page.evaluate("window.__cccdqr.beeps") >= 6
        history = page.eval_on_selector_all("#history li", "els => els.map(e => e.dataset.status)")
        assert history[::-1][:6] == [s for s, _ in EXPECTED]  # newest first in the list
        # the last verdict: the card's certificate, its holder's name, and MATCH
        assert page.inner_text("#verdict-word") == "VALID" and page.inner_text("#verdict-symbol") == "✔"
        assert "MATCH" in page.inner_text("#binding") and "Trần Thị Bình" in page.inner_text("#person")
        assert "Trust list: 2 keys" in page.inner_text("#trust-age")


def test_red_result_hides_the_person_and_paste_and_file_work(world: codes.World, camera: Path,
                                                             tmp_path: Path) -> None:
    blank = tmp_path / "blank.y4m"
    codes.write_y4m(blank, [codes.frame(None, SIZE)] * 2, FPS)
    image = tmp_path / "code.png"
    codes.qr_image(world.dcc).save(image)
    with browser.service(Sources(trust=str(world.trust)), codes.NOW) as base, \
            browser.chromium(blank) as page:
        page.goto(base + "/?kiosk=1")
        page.wait_for_selector("body[data-ready='1']")
        assert not page.is_visible("#paste")  # kiosk mode: the verdict only
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#paste", world.tampered)
        page.click("#paste-go")
        page.wait_for_function("window.__cccdqr.verdicts.length === 1")
        assert page.inner_text("#verdict-word") == "KHÔNG HỢP LỆ"  # Vietnamese first by default
        assert page.inner_text("#verdict-symbol") == "✘" and page.is_hidden("#person")
        assert page.inner_text("#reason-vi") and page.inner_text("#reason-en")
        page.click("#lang")
        assert page.inner_text("#verdict-word") == "INVALID"
        page.set_input_files("#file", str(image))
        page.wait_for_function("window.__cccdqr.verdicts.length === 2")
        assert page.inner_text("#verdict-word") == "VALID" and "Nguyễn Bảo Duy" in page.inner_text("#person")
