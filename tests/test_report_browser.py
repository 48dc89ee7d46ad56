"""report.html in a real headless browser (Debian's chromium).

What a reader sees is the DOM after the page's own script ran (``--dump-dom``),
under the page's Content-Security-Policy.  chromium is required: `make test` and
.ci/run find or install it (scripts/ensure-browser), and without it these tests
fail rather than skip.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from frdiff import report

try:
    from report_data import HOSTILE, HOSTILE_ALIAS, TW, weekly
except ImportError:  # pragma: no cover - when tests/ is a package
    from tests.report_data import HOSTILE, HOSTILE_ALIAS, TW, weekly

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


def _chromium() -> str:
    for candidate in (os.environ.get("FRDIFF_CHROMIUM"), "/usr/bin/chromium", "chromium"):
        if candidate and (found := shutil.which(candidate)):
            return found
    pytest.fail(
        "chromium is not installed: the browser test needs Debian's chromium "
        "(scripts/ensure-browser installs it, or names the command to run)",
        pytrace=False,
    )


def _run(tmp_path: Path, url: str, *extra: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    proc = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=90,
        env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _dom(tmp_path: Path, page: Path, fragment: str = "") -> lxml_html.HtmlElement:
    out = _run(tmp_path, page.as_uri() + fragment, "--dump-dom")
    assert "<html" in out, "chromium dumped no DOM"
    return lxml_html.fromstring(out)


def _visible_text(el: lxml_html.HtmlElement) -> str:
    """Text of ``el`` outside script/style and outside elements hidden by ``hidden``."""
    if el.tag in ("script", "style") or el.get("hidden") is not None:
        return el.tail or ""
    parts = [el.text or ""]
    for child in el:
        parts.append(_visible_text(child))
    parts.append(el.tail or "")
    return " ".join(p for p in parts if p)


def _items(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return root.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " item ")]')


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report.render_html(weekly()), encoding="utf-8")
    return path


def test_reader_sees_the_report_and_hostile_names_as_text(page: Path, tmp_path: Path) -> None:
    root = _dom(tmp_path, page)
    text = " ".join(_visible_text(root.body).split())
    assert "Entity List changes, week 2025-W13" in text
    assert "Beijing Academy of Artificial Intelligence" in text and "Zhiyuan" in text
    assert "No. 150 Chengfu Road, Haidian District, Beijing, China" in text
    assert HOSTILE in text and HOSTILE_ALIAS in text
    # The names stayed text: the only script is the report's own, and no image appeared.
    assert len(root.xpath("//script")) == 1
    assert root.xpath("//img") == []
    # The report's script ran under its Content-Security-Policy: it showed the filter.
    form = root.get_element_by_id("filter")
    assert form.get("hidden") is None
    n = len(_items(root))
    assert root.get_element_by_id("filter-count").text_content() == f"{n} of {n} entries shown"


def test_filter_from_the_fragment_hides_non_matching_rows(page: Path, tmp_path: Path) -> None:
    root = _dom(tmp_path, page, "#q=nettrix")
    items = _items(root)
    shown = [el for el in items if el.get("hidden") is None]
    assert shown and len(shown) < len(items)
    assert all("nettrix" in el.text_content().lower() for el in shown)
    assert all("nettrix" not in el.text_content().lower() for el in items if el not in shown)
    assert root.body.get("data-filtered") == "yes"


def test_filter_by_country_code(page: Path, tmp_path: Path) -> None:
    root = _dom(tmp_path, page, "#country=TW")
    items = _items(root)
    shown = [el for el in items if el.get("hidden") is None]
    assert {el.get("data-country") for el in shown} == {TW}
    assert len(shown) == 2  # one added by the rule, one in the diff
    count = root.get_element_by_id("filter-count").text_content()
    assert count == f"2 of {len(items)} entries shown"


def test_policy_blocks_a_script_it_does_not_name(page: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.html"
    tampered.write_text(
        page.read_text(encoding="utf-8").replace('"use strict";', '"use strict"; ', 1),
        encoding="utf-8",
    )
    root = _dom(tmp_path, tampered)
    assert root.get_element_by_id("filter").get("hidden") is not None, (
        "a script whose hash the policy does not list must not run"
    )
    # Without the script the page still shows everything (graceful degradation).
    assert all(el.get("hidden") is None for el in _items(root))


def test_screenshot_is_a_png(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _run(tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1280,1800")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1800)
    assert len(data) > 20_000, "a blank page compresses to almost nothing"
    keep = os.environ.get("FRDIFF_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
