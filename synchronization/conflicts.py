"""How the engine judges a coupled record whose destination changed or went away: the update
conflict (both sides changed since the last synchronization, bc-integration.md 5.3 step 7) and
the deletion conflict (step 4), each by the mapping's resolution policy.
"""

from __future__ import annotations

from mappings.models import (
    DeletionConflictResolution,
    Direction,
    IntegrationTableMapping,
    UpdateConflictResolution,
)
from synchronization.models import SyncJob
from synchronization.plans import Action, Plan, Settings
from synchronization.sides import SalesSide, Side
from synchronization.transform import Transformer

# The error code of a record coupled to a deleted record (a deletion conflict).
DELETED_RECORD = "DeletedRecord"


class ConflictRules:
    """The conflict judgements of a DirectionRun (its attributes, below)."""

    job: SyncJob
    mapping: IntegrationTableMapping
    settings: Settings
    to_sales: bool
    destination: Side
    sales: SalesSide
    transformer: Transformer

    def _destination_deleted(self, plan: Plan, body: dict) -> None:
        policy = self.job.parameters.get("deletion_policy") \
            or self.mapping.deletion_conflict_resolution
        if policy == DeletionConflictResolution.RESTORE:
            plan.action, plan.body = Action.INSERT, body  # recreated with the coupled id
        elif policy == DeletionConflictResolution.REMOVE_COUPLING:
            plan.action, plan.message = Action.UNCOUPLE, "The coupled record was deleted; " \
                                                    "the coupling was removed."
        else:
            plan.action, plan.code = Action.FAIL, DELETED_RECORD
            plan.message = ("The record cannot be updated because it is coupled to a deleted "
                            "record. Restore the record or remove the coupling.")

    def _is_conflict(self, plan: Plan, existing: dict) -> bool:
        """Both sides changed since the last sync, and a bidirectional field would change."""
        coupling = plan.coupling
        # A record matched on its fields just now has no last sync to have changed since.
        if self.mapping.direction != Direction.BIDIRECTIONAL or self.settings.force \
                or coupling is None:
            return False
        modified = self.destination.modified_on(existing)
        changed = (coupling.is_sales_modified_after_last_sync(
                       modified, self.destination.version(existing)) if self.to_sales
                   else coupling.is_bc_modified_after_last_sync(modified))
        if not changed or (self.to_sales and self.sales.changed_by_integration(existing)):
            return False
        return bool(set(plan.body) & self.transformer.bidirectional_keys())

    def _resolve_conflict(self, plan: Plan) -> None:
        policy = self.mapping.update_conflict_resolution
        wins = UpdateConflictResolution.SEND_TO_SALES if self.to_sales \
            else UpdateConflictResolution.GET_FROM_SALES
        if policy == wins:
            return  # this direction's data wins: write it
        if policy != UpdateConflictResolution.NONE:
            plan.action = Action.SKIP  # the other direction's run will write its data
            plan.message = "Conflict resolved in favour of the other side."
            return
        plan.action = Action.CONFLICT
        plan.message = ("Both the Business Central record and the Sales record have been changed "
                        "since the last synchronization, and a bidirectional field differs. "
                        "Choose which side to keep.")

