"""What Set Up Coupling shows: a list on the side one starts from, then the other side's list.

Coupling from Business Central: search the BC records, choose one, then choose its Sales match
(searched by the chosen record's name to begin with). From Sales it is the other way round. Both
lists come through the clients with the mapping's filters applied, and records already coupled
are marked, so nobody types an id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from mappings import remote
from mappings.coupling_forms import BC_SIDE, SALES_SIDE, PickerForm
from mappings.models import IntegrationTableMapping

SIDE_TITLES = {BC_SIDE: "Business Central", SALES_SIDE: "Dynamics 365 Sales"}


@dataclass
class SideList:
    """One side's search and what it found."""

    side: str
    title: str
    noun: str
    search: str = ""
    results: list[remote.Candidate] = field(default_factory=list)
    coupled: set[str] = field(default_factory=set)
    problem: str = ""
    searched: bool = False


@dataclass
class Picker:
    """The whole page state: the start list, the chosen record and the match list."""

    start: SideList
    other: SideList
    chosen: remote.Candidate | None = None
    problem: str = ""

    @property
    def start_side(self) -> str:
        return self.start.side

    @property
    def chosen_bc(self) -> remote.Candidate | None:
        return self.chosen if self.chosen and self.start.side == BC_SIDE else None


def nouns(mapping: IntegrationTableMapping) -> dict[str, str]:
    """What a record is called on each side: "Customer" and "account" for CUSTOMER."""
    return {BC_SIDE: mapping.bc_table, SALES_SIDE: mapping.sales_entity}


def build(mapping: IntegrationTableMapping, form: PickerForm) -> Picker:
    """Search the start side, and the other side once a record is chosen (valid forms only)."""
    data = form.cleaned_data if form.is_valid() else {}
    start = data.get("start") or BC_SIDE
    other = SALES_SIDE if start == BC_SIDE else BC_SIDE
    names = nouns(mapping)
    picker = Picker(SideList(start, SIDE_TITLES[start], names[start], data.get("search", "")),
                    SideList(other, SIDE_TITLES[other], names[other]))
    if not form.is_valid():
        return picker
    _search(mapping, picker.start)
    if data.get("record"):
        # No match box sent yet (the record was just chosen): None, so its name is searched.
        match = data.get("match", "") if "match" in form.data else None
        _choose(mapping, picker, str(data["record"]), match)
    return picker


def _choose(mapping: IntegrationTableMapping, picker: Picker, record_id: str,
            match: str | None) -> None:
    try:
        picker.chosen = _describe(mapping, picker.start.side, record_id)
    except remote.RemoteUnavailable as exc:
        picker.problem = f"Reading the chosen record failed: {exc}"
        return
    if picker.chosen is None:
        picker.problem = ("The chosen record no longer exists (or the id was altered); choose "
                          "it from the list again.")
        return
    # The first search for a match is the chosen record's name: what match-based coupling uses.
    picker.other.search = picker.chosen.name if match is None else match
    _search(mapping, picker.other)


def _describe(mapping, side: str, record_id: str) -> remote.Candidate | None:
    if side == BC_SIDE:
        return remote.bc_candidate(mapping, record_id)
    return remote.sales_candidate(mapping, record_id)


def _search(mapping: IntegrationTableMapping, side: SideList) -> None:
    search = remote.search_bc if side.side == BC_SIDE else remote.search_sales
    side.searched = True
    try:
        side.results = search(mapping, side.search)
    except remote.RemoteUnavailable as exc:
        side.problem = f"Searching {side.title} failed: {exc}"
        return
    side.coupled = _coupled(mapping, side)


def _coupled(mapping: IntegrationTableMapping, side: SideList) -> set[str]:
    """Ids (as the service wrote them) of the listed records coupled already, in one query."""
    ids: dict[UUID, str] = {}
    for candidate in side.results:
        try:
            ids[UUID(candidate.id)] = candidate.id
        except ValueError:
            continue
    column = "bc_id" if side.side == BC_SIDE else "sales_id"
    found = mapping.couplings.filter(**{f"{column}__in": list(ids)}).values_list(column,
                                                                                flat=True)
    return {ids[value] for value in found}
