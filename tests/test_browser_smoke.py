import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAVIGATION = ["Connection", "Assisted setup", "Mappings", "Couplings", "Sync jobs",
              "Full sync review"]


def test_an_administrator_signs_in_and_sees_the_navigation(signed_in_page):
    nav = signed_in_page.locator("nav[aria-label=Main]")
    for caption in NAVIGATION:
        assert nav.get_by_role("link", name=caption, exact=True).is_visible()


def test_the_navigation_reaches_every_page(signed_in_page, live_server):
    for caption in NAVIGATION:
        link = signed_in_page.get_by_role("link", name=caption, exact=True)
        href = link.get_attribute("href")
        link.click()
        # A click only starts the navigation: wait until the new page has loaded.
        signed_in_page.wait_for_url(f"{live_server.url}{href}")
        assert signed_in_page.locator("h1").is_visible()
        assert signed_in_page.title().endswith("· bcsales")


def test_the_pages_fit_a_phone_screen(signed_in_page):
    signed_in_page.set_viewport_size({"width": 390, "height": 844})
    width = signed_in_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
