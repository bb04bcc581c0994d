from django.urls import path

from mappings.views import couplings, exchange, fields, tables

app_name = "mappings"
urlpatterns = [
    path("", tables.mapping_list, name="list"),
    path("defaults/", tables.reset_defaults, name="reset"),
    path("export/", exchange.export_view, name="export"),
    path("import/", exchange.import_view, name="import"),
    path("<id:pk>/", tables.mapping_detail, name="detail"),
    path("<id:pk>/preview/", tables.mapping_preview, name="preview"),
    path("<id:pk>/delete/", tables.delete_mapping, name="delete"),
    path("<id:pk>/fields/", fields.field_mappings, name="fields"),
    path("<id:pk>/fields/add/", fields.add_field_mapping, name="add_field"),
    path("<id:pk>/options/", fields.option_mappings, name="options"),
    path("<id:pk>/options/<id:option_pk>/delete/", fields.delete_option_mapping,
         name="delete_option"),
    path("<id:pk>/couplings/new/", couplings.coupling_setup, name="coupling_setup"),
    path("<id:pk>/match/", couplings.match_based_coupling, name="match"),
    path("couplings/", couplings.coupling_list, name="couplings"),
    path("couplings/delete/", couplings.coupling_delete, name="coupling_delete"),
]
