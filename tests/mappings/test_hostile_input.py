"""Hostile input on the mappings pages: forged formset counts, long searches, ids past 64 bits."""

import uuid

import pytest

from mappings.models import Coupling, IntegrationFieldMapping, OptionMapping

pytestmark = pytest.mark.django_db
HUGE, NEGATIVE = "9223372036854775808", "-9223372036854775809"


def _field_rows(mapping, total: int, initial: int) -> dict:
    data = {"fields-TOTAL_FORMS": str(total), "fields-INITIAL_FORMS": str(initial),
            "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000"}
    for n, row in enumerate(mapping.field_mappings.order_by("position", "pk")[:total]):
        data.update({f"fields-{n}-id": str(row.pk), f"fields-{n}-direction": row.direction,
                     f"fields-{n}-status": row.status, f"fields-{n}-transformation":
                     row.transformation, f"fields-{n}-match_priority": "0",
                     f"fields-{n}-constant_value": "forged"})
    return data


def test_forged_formset_counts_cannot_create_field_mappings_without_a_mapping(admin_client,
                                                                             defaults):
    mapping = defaults["CUSTOMER"]
    before = IntegrationFieldMapping.objects.count()
    response = admin_client.post(f"/mappings/{mapping.pk}/fields/",
                                 _field_rows(mapping, total=20, initial=0))
    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert IntegrationFieldMapping.objects.count() == before


def test_a_huge_total_forms_count_builds_a_bounded_number_of_forms(admin_client, defaults):
    mapping = defaults["CUSTOMER"]
    data = {**_field_rows(mapping, total=3, initial=3), "fields-TOTAL_FORMS": HUGE}
    response = admin_client.post(f"/mappings/{mapping.pk}/fields/", data)
    assert response.status_code == 200
    assert len(response.context["formset"].forms) <= 500


@pytest.mark.parametrize("url, name", [("/mappings/", "name"), ("/mappings/couplings/", "q")])
def test_a_search_of_50_010_characters_re_renders_with_a_message(admin_client, defaults, url,
                                                                 name):
    Coupling.objects.create(mapping=defaults["CUSTOMER"], bc_id=uuid.uuid4(),
                            sales_id=uuid.uuid4(), bc_number="10000")
    response = admin_client.get(url, {name: "A" * 50_010})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


def test_an_impossible_date_in_the_couplings_filter_is_a_message(admin_client, defaults):
    response = admin_client.get("/mappings/couplings/", {"synced_before": "2024-02-30"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


@pytest.mark.parametrize("value", [HUGE, NEGATIVE])
def test_deleting_couplings_by_ids_past_64_bits_is_a_message(admin_client, defaults, value):
    response = admin_client.post("/mappings/couplings/delete/", {"coupling": value})
    assert response.status_code == 302
    assert response.url == "/mappings/couplings/"


def test_an_option_mapping_id_past_64_bits_in_the_path_is_a_404(admin_client, defaults):
    terms = next(m for m in defaults.values() if m.is_option_mapping)
    option = OptionMapping.objects.create(mapping=terms, bc_code="30 DAYS", option_value=1)
    assert admin_client.post(f"/mappings/{HUGE}/options/{option.pk}/delete/").status_code == 404
    assert OptionMapping.objects.filter(pk=option.pk).exists()
