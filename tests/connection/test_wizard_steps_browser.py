"""The wizard's step labels read as separate items on screen, not as one run-on line."""

from itertools import pairwise

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_step_labels_do_not_run_together(signed_in_page, live_server):
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/assisted-setup/")
    items = page.locator("ol.wizard-steps > li")
    assert items.count() == 7
    boxes = [items.nth(i).bounding_box() for i in range(7)]
    for left, right in pairwise(boxes):
        if abs(left["y"] - right["y"]) < 2:  # same row: a visible gap between the labels
            assert right["x"] >= left["x"] + left["width"]
    text = page.inner_text("ol.wizard-steps")
    assert "URL2." not in text and "credentials3." not in text
    assert "1. Dynamics 365 Sales URL" in text and "2. Integration credentials" in text
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
