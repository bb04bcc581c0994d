"""Set Up Dynamics 365 Sales Connection: step order, per-step forms and what each step does.

No request objects here: the views hand in the connection, the bound form and the user, and get
back an Outcome. Progress (the furthest step reached) and non-secret choices live on the
connection, so the guide resumes where it was left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from connection import audit, lifecycle, registry, salespeople, solution
from connection.checks import TestReport, run_test_connection
from connection.clients.errors import ClientError
from connection.models import ConnectionSetup, OwnershipModel
from connection.services import business_central_client, dataverse_client
from connection.wizard_forms import (
    AdvancedStepForm,
    BusinessCentralStepForm,
    CredentialsStepForm,
    FinishStepForm,
    SalesUrlStepForm,
    SynchronizationStepForm,
)

STEPS = {
    1: "Dynamics 365 Sales URL",
    2: "Integration credentials",
    3: "Business Central",
    4: "Advanced settings",
    5: "Synchronization",
    6: "Couple salespeople",
    7: "Finish",
}
LAST = max(STEPS)


@dataclass
class Outcome:
    """What a step did: moved on or not, what to tell the administrator, a checklist."""

    done: bool
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    report: TestReport | None = None
    next_step: int | None = None


def next_step(connection: ConnectionSetup, step: int) -> int:
    """The step after ``step``; salespeople are not coupled under team ownership."""
    following = step + 1
    if following == 6 and connection.ownership_model == OwnershipModel.TEAM:
        following = 7
    return min(following, LAST)


def reached(connection: ConnectionSetup, step: int) -> None:
    connection.wizard_step = max(connection.wizard_step, step)
    connection.save(update_fields=["wizard_step", "wizard_data", "updated_at"])


def form_for(step: int, connection: ConnectionSetup | None, data=None, **extra: Any):
    """The unbound (``data`` None) or bound form of ``step``."""
    instance = connection or ConnectionSetup()
    if step == 1:
        return SalesUrlStepForm(data, instance=instance)
    if step == 2:
        return CredentialsStepForm(data, instance=instance)
    if step == 3:
        companies = [tuple(c) for c in instance.wizard_data.get("companies", [])]
        return BusinessCentralStepForm(data, instance=instance, companies=companies)
    if step == 4:
        return AdvancedStepForm(data, instance=instance, initial=extra.get("initial"))
    if step == 5:
        return SynchronizationStepForm(data, names=[p["name"] for p in extra.get("plan", [])])
    if step == 6:
        return salespeople.CoupleSalespersonsForm(extra["users"], extra["people"], data)
    return FinishStepForm(data)


def _save(form, connection: ConnectionSetup | None, user) -> ConnectionSetup:
    before = audit.snapshot(connection) if connection and connection.pk else {}
    with transaction.atomic():
        saved = form.save()
        audit.record_changes(saved, before, user)
    return saved


def save_sales_url(form: SalesUrlStepForm, connection, user) -> Outcome:
    connection = _save(form, connection, user)
    form.instance = connection
    reached(connection, 2)
    notes = [form.url_change.message()] if form.url_change else []
    return Outcome(True, messages=notes, next_step=2)


def check_credentials(form: CredentialsStepForm, connection: ConnectionSetup, user) -> Outcome:
    """Step 2: save, then sign in and call WhoAmI for real before moving on."""
    connection = _save(form, connection, user)
    try:
        client = dataverse_client(connection, interactive=True)
        who = client.whoami()
        if connection.user_name and not solution.sales_user_exists(client, connection.user_name):
            return Outcome(False, errors=[
                f"Signed in, but Dynamics 365 Sales has no user {connection.user_name}. Enter "
                "the e-mail of the integration user as it appears in Sales."])
    except ClientError as error:
        return Outcome(False, errors=[f"The credentials could not be verified: {error}"])
    connection.wizard_data["user_id"] = who.user_id
    reached(connection, 3)
    return Outcome(True, messages=["Signed in to Dynamics 365 Sales."], next_step=3)


def pick_company(form: BusinessCentralStepForm, connection: ConnectionSetup, user) -> Outcome:
    """Step 3: save the endpoint, read the companies from the API, then store the chosen one."""
    connection = _save(form, connection, user)
    try:
        companies = business_central_client(connection, interactive=True, company=False).companies()
    except ClientError as error:
        return Outcome(False, errors=[f"Business Central could not be reached: {error}"])
    connection.wizard_data["companies"] = [[c.id, c.name] for c in companies]
    chosen = next((c for c in companies if c.id == form.cleaned_data.get("company")), None)
    if chosen is None:
        reached(connection, 3)
        return Outcome(False, errors=["Choose the company to connect from the list that "
                                      "Business Central returned."])
    before = audit.snapshot(connection)
    connection.bc_company_id, connection.bc_company_name = chosen.id, chosen.name
    connection.web_client_url = connection.web_client_url or connection.default_web_client_url
    connection.save()
    audit.record_changes(connection, before, user)
    reached(connection, 4)
    return Outcome(True, messages=[f"Connected to the company {chosen.name}."], next_step=4)


def apply_advanced(form: AdvancedStepForm, connection: ConnectionSetup, user,
                   admin_password: str = "") -> Outcome:
    """Step 4: save, deploy with the administrator account (used once), then enable."""
    connection = _save(form, connection, user)
    data, notes = form.cleaned_data, []
    try:
        if form.needs_administrator:
            notes += solution.deploy(connection, data["admin_user"],
                                     admin_password or data["admin_password"])
        elif connection.item_availability_enabled:
            client = dataverse_client(connection, interactive=True)
            notes.append(solution.write_connection_data(client, connection))
        if connection.sales_order_integration_enabled and registry.has_synchronization_setup(
                connection):  # a guide run again: add the order mapping, keep the others
            notes += registry.mappings().switch_sales_order_setup(connection, True)
    except (ClientError, solution.SolutionError) as error:
        return Outcome(False, errors=[
            "The integration solution could not be deployed. "
            + solution.failure_message(error, data.get("admin_user", ""))])
    if data.get("enable_connection"):
        report = lifecycle.enable(connection, user)
        if not report.passed:
            return Outcome(False, errors=["The connection could not be enabled: Test Connection "
                                          "failed. The checklist says what to fix."],
                           report=report)
        notes.append("The connection is enabled.")
    reached(connection, 5)
    return Outcome(True, messages=notes, next_step=5)


def apply_synchronization(form: SynchronizationStepForm, connection: ConnectionSetup,
                          plan: list[dict]) -> Outcome:
    """Step 5: the default setup limited to the chosen tables."""
    data = form.cleaned_data
    notes = []
    if data["use_default_setup"]:
        try:
            with transaction.atomic():
                features = registry.mappings()
                count = features.apply_default_setup(connection)
                removed = features.remove_unselected_mappings(connection, data["mappings"])
        except registry.FeatureUnavailable as error:
            return Outcome(False, errors=[str(error)])
        notes.append(f"Installed the default synchronization setup ({count - removed} "
                     "integration table mappings).")
    connection.wizard_data["mappings"] = data["mappings"]
    connection.wizard_data["recommendations"] = registry.recommend(
        connection, plan, data["mappings"])
    following = next_step(connection, 5)
    reached(connection, following)
    return Outcome(True, messages=notes, next_step=following)


def couple(form, connection: ConnectionSetup) -> Outcome:
    """Step 6: couple the confirmed salesperson <-> Sales user pairs."""
    pairs = form.pairs()
    if pairs:
        try:
            registry.mappings().couple_salespeople(connection, pairs)
        except registry.FeatureUnavailable as error:
            return Outcome(False, errors=[str(error)])
    reached(connection, 7)
    return Outcome(True, messages=[f"Coupled {len(pairs)} salespeople."], next_step=7)


def finish(connection: ConnectionSetup, run_full_sync: bool) -> Outcome:
    """Step 7: mark the guide complete and, when asked, start the full synchronization."""
    connection.wizard_completed = True
    connection.save(update_fields=["wizard_completed", "updated_at"])
    if not run_full_sync:
        return Outcome(True, messages=["The assisted setup is complete."])
    # Tables recommended "Couple Records" are coupled on their match fields before anything
    # is created, so the run never makes a second copy of a record both sides hold.
    try:
        job = registry.synchronization().start_initial_sync(connection)
    except registry.FeatureUnavailable as error:
        return Outcome(True, messages=[f"The assisted setup is complete. {error} Review the "
                                       "mappings and start the full synchronization later."])
    return Outcome(True, messages=[
        f"Coupling the records both sides hold on their match fields, then starting the full "
        f"synchronization (job #{job.pk} says how many records it coupled)."])


def test_report(connection: ConnectionSetup, user) -> TestReport:
    """The checklist shown on the summary (run again when the last one is stale or red)."""
    if connection.last_test.get("passed"):
        return TestReport.from_json(connection.last_test)
    return run_test_connection(connection, user)


def load_companies(connection: ConnectionSetup) -> list[list[str]]:
    """Read the companies the Business Central API returns and keep them for the company list."""
    try:
        companies = business_central_client(connection, interactive=True, company=False).companies()
    except ClientError:
        return []
    connection.wizard_data["companies"] = [[c.id, c.name] for c in companies]
    connection.save(update_fields=["wizard_data", "updated_at"])
    return connection.wizard_data["companies"]


def preview_recommendations(connection: ConnectionSetup, plan: list[dict]) -> list[dict]:
    """Recommendations for the tables chosen so far (all of them at first)."""
    selected = connection.wizard_data.get("mappings") or [item["name"] for item in plan]
    return registry.recommend(connection, plan, selected)
