"""The base of every list page's table, and the registry the column chooser looks tables up in.

NetBox's way: one ``Table`` class per list, with the columns a person may choose from, a few
shown by default so that the table fits 1,366 px, and the name and action columns kept in view
at phone width (sticky, see static/bcsales.css).
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

REGISTRY: dict[str, type[BaseTable]] = {}
# The header of a selection column: read by screen readers, not shown.
SELECT = format_html('<span class="visually-hidden">{}</span>', "Select")


def register(table: type[BaseTable]) -> type[BaseTable]:
    """Make a table's columns choosable by its ``name`` (the column chooser posts the name)."""
    REGISTRY[table.name] = table
    return table


class BaseTable(tables.Table):
    """A list table: sortable, paginated, with choosable columns and a CSV export.

    ``name`` keys the user's column choice; ``default_columns`` are shown until a person
    chooses; ``always`` columns (the name and the actions) cannot be hidden; ``sticky_start`` and
    ``sticky_end`` stay in view while a narrow screen scrolls the table sideways.
    """

    name: str = ""
    caption: str = ""
    default_columns: tuple[str, ...] = ()
    always: tuple[str, ...] = ()
    sticky_start: str = ""
    sticky_end: str = ""
    # Columns that are controls, not data (selection boxes, action buttons): never exported.
    not_exported: tuple[str, ...] = ()

    class Meta:
        attrs = {"class": "list"}
        template_name = "lists/table.html"
        empty_text = "Nothing matches."
        default = "\N{EN DASH}"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for column, css in ((self.sticky_start, "sticky-start"), (self.sticky_end, "sticky-end")):
            if column:
                self.columns[column].column.attrs = _with_class(
                    self.columns[column].column.attrs, css)

    @classmethod
    def choosable(cls) -> list[tuple[str, str]]:
        """(name, caption) of the columns a person may show or hide, in table order."""
        return [(name, str(column.verbose_name or name).strip() or name)
                for name, column in cls.base_columns.items() if name not in cls.always]

    def show_only(self, names: list[str]) -> None:
        """Show the ``always`` columns and ``names``; hide the other choosable ones."""
        for name, _caption in self.choosable():
            if name in names:
                self.columns.show(name)
            else:
                self.columns.hide(name)


def _with_class(attrs: dict, css: str) -> dict:
    """Column attrs with ``css`` added to the class of both its header and its cells."""
    merged = {key: dict(value) for key, value in (attrs or {}).items()}
    for part in ("th", "td"):
        cell = merged.setdefault(part, {})
        cell["class"] = f"{cell.get('class', '')} {css}".strip()
    return merged
