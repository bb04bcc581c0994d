"""Hostile input on the connection pages: where ``next`` may send a browser, ids past 64 bits."""

from dataclasses import replace

import pytest
from django.test import RequestFactory

from connection import registry, salespeople
from connection.inputs import parse_id, safe_next
from connection.models import ConnectionSetup

pytestmark = pytest.mark.django_db
HUGE = "9223372036854775808"


@pytest.mark.parametrize("target", ["CUSTOMER", "-1", "' or 1 eq 1", "0"])
def test_switching_with_a_next_that_is_not_a_path_goes_home_instead_of_failing(viewer_client,
                                                                              target):
    other = ConnectionSetup.objects.create(name="B")
    response = viewer_client.post("/connection/switch/", {"connection": other.pk, "next": target})
    assert response.status_code == 302
    assert response.url == "/"


def test_switching_to_a_connection_id_past_64_bits_is_a_404(viewer_client):
    response = viewer_client.post("/connection/switch/", {"connection": HUGE, "next": "/"})
    assert response.status_code == 404


def _couple_nobody(monkeypatch) -> None:
    features = replace(registry.mappings(), couple_salespeople=lambda c, pairs: 0)
    monkeypatch.setattr(registry, "mappings", lambda: features)


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "CUSTOMER"])
def test_couple_salespersons_never_redirects_off_site(admin_client, monkeypatch, target):
    connection = ConnectionSetup.objects.create(name="CRONUS")
    monkeypatch.setattr(salespeople, "load", lambda c: ([], []))
    _couple_nobody(monkeypatch)
    response = admin_client.post(f"/connection/{connection.pk}/couple-salespersons/",
                                 {"next": target})
    assert response.status_code == 302
    assert response.url == f"/connection/{connection.pk}/"


def test_couple_salespersons_follows_a_next_on_this_site(admin_client, monkeypatch):
    connection = ConnectionSetup.objects.create(name="CRONUS")
    monkeypatch.setattr(salespeople, "load", lambda c: ([], []))
    _couple_nobody(monkeypatch)
    response = admin_client.post(f"/connection/{connection.pk}/couple-salespersons/",
                                 {"next": "/mappings/"})
    assert response.url == "/mappings/"


def test_safe_next_takes_only_paths_of_this_site():
    request = RequestFactory().post("/")
    assert safe_next(request, "/sync/jobs/?page=2", "home") == "/sync/jobs/?page=2"
    for target in ("http://testserver/x", "https://evil.example", "//evil", "x", "", None):
        assert safe_next(request, target, "home") == "/"


def test_a_connection_id_past_64_bits_in_the_path_is_a_404(admin_client):
    assert admin_client.get(f"/connection/{HUGE}/").status_code == 404
    assert admin_client.post(f"/connection/{HUGE}/test/").status_code == 404


def test_row_ids_are_whole_numbers_the_database_can_hold():
    assert parse_id("42") == 42
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    for value in (HUGE, "0", "-1", "1.5", " ", "٣", "1e3", "9" * 5000):
        assert parse_id(value) is None
