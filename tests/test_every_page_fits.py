"""Every page fits the screen: no page scrolls sideways at 1,366 x 768 or at 390 x 844, and at
1,366 px no table is cut off inside its box.

The pages come from the resolver (as the fuzz suite finds them), with path values naming the
rows of the fuzz suite's data, so a page added tomorrow is measured the day it is added.
Screenshots of every page at both widths are kept in a temporary folder (its path is printed;
set PAGE_SCREENSHOTS to choose it) for a person to look at.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from tests.fuzz.support import build_data
from tests.fuzz.test_fuzz import natural_path, project_routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
# Elements wider than their box, and the tables cut off inside theirs (a box that scrolls).
OVERFLOWING_TABLES = (
    "Array.from(document.querySelectorAll('main table')).filter("
    "t => t.parentElement.scrollWidth > t.parentElement.clientWidth + 1"
    " || t.scrollWidth > t.clientWidth + 1).map(t => t.className || t.id || 'table')")


def page_paths(ids: dict[str, int], administrator) -> list[str]:
    """One path per URL pattern that answers an administrator's GET with an HTML page (asked
    through Django's client first: a POST-only URL answers 405 with no page to look at)."""
    client = Client()
    client.force_login(administrator)
    paths = []
    for route in project_routes():
        if route.name.startswith("admin:") or route.name in ("logout", "login"):
            continue
        path = route.fill(natural_path(route, ids))
        response = client.get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            paths.append(path)
    return sorted(set(paths))


def screenshot_folder() -> Path:
    folder = Path(os.environ.get("PAGE_SCREENSHOTS") or tempfile.mkdtemp(prefix="pages-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Screenshots in {folder}")
    return folder


def file_name(path: str, width: str) -> str:
    return f"{width}-{path.strip('/').replace('/', '_') or 'home'}.png"


def measure(page, base: str, path: str, folder: Path, width: str) -> list[str]:
    """What is wrong with one page at one width (empty when it fits)."""
    response = page.goto(base + path)
    if response is None or response.status != 200:
        return [f"{path} answered {response.status if response else 'nothing'} in the browser"]
    page.screenshot(path=str(folder / file_name(path, width)), full_page=True)
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if scroll > inner:
        problems.append(f"{path} scrolls sideways at {inner} px ({scroll} px wide)")
    if width == "desktop":
        cut = page.evaluate(OVERFLOWING_TABLES)
        if cut:
            problems.append(f"{path} cuts off tables at {inner} px: {cut}")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_no_table_is_cut_off(signed_in_page, live_server,
                                                          administrator, width):
    ids = build_data()
    folder = screenshot_folder()
    signed_in_page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    problems = []
    paths = page_paths(ids, administrator)
    assert len(paths) > 30  # the resolver was read, the data built
    for path in paths:
        problems += measure(signed_in_page, live_server.url, path, folder, width)
    assert not problems, "\n".join(problems)
