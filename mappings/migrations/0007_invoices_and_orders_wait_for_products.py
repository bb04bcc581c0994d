"""Posted sales invoices and sales orders of existing connections also wait for the product
mappings in a full synchronization (see ``mappings.defaults``), where their Dependency Filter is
still BC's default; a filter an administrator changed is left as it is."""

from django.db import migrations

NAMES = ("POSTEDSALESINV-INV", "SALESORDER-ORDER")
BC_DEFAULT = "OPPORTUNITY"
WITH_PRODUCTS = "OPPORTUNITY|ITEM-PRODUCT|RESOURCE-PRODUCT"


def _replace(apps, old: str, new: str) -> None:
    mappings = apps.get_model("mappings", "IntegrationTableMapping")
    mappings.objects.filter(name__in=NAMES, dependency_filter=old).update(dependency_filter=new)


def forward(apps, schema_editor):
    _replace(apps, BC_DEFAULT, WITH_PRODUCTS)


def backward(apps, schema_editor):
    _replace(apps, WITH_PRODUCTS, BC_DEFAULT)


class Migration(migrations.Migration):

    dependencies = [
        ("mappings", "0006_job_queue_entry_moves_to_synchronization"),
    ]

    operations = [migrations.RunPython(forward, backward)]
