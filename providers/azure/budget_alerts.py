"""Budget alerts on Azure: a Cost Management budget on the platform's resource group (or on one research
project's resources) that warns at 80, 100 and 120 % of the month's amount, and when the forecast
crosses it, through an action group."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import consumption, monitor

from providers.azure.arm import resource_group_id
from providers.clock import today
from providers.base import ServiceComponent

#: Monthly amounts in the billing currency: a starting point for the finance officer, who sets the real
#: ones (the stack configuration has no budget key yet).
PLATFORM_MONTHLY_BUDGET = 20_000.0
ENCLAVE_MONTHLY_BUDGET = 2_000.0
#: Built-in Owner role: its holders receive the budget notifications.
ROLE_OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#: (percentage, actual or forecast): early warning, budget reached, overrun; and the forecast crossing it.
THRESHOLDS = (
    (80, consumption.ThresholdType.ACTUAL),
    (100, consumption.ThresholdType.ACTUAL),
    (120, consumption.ThresholdType.ACTUAL),
    (100, consumption.ThresholdType.FORECASTED),
)


class BudgetAlerts(ServiceComponent):
    """budget_alerts with Azure Cost Management budgets: a monthly budget scoped to the platform's
    resource group (an enclave instance filters on its hdh-enclave tag, so each project has its own),
    notifying, in French, an action group that mails the Owner role holders.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        group = monitor.ActionGroup(
            self.role("owners"), action_group_name=f"{self.name}-owners", group_short_name="hdh-budget",
            resource_group_name=p.scope, location="global", enabled=True,
            arm_role_receivers=[monitor.ArmRoleReceiverArgs(name="owners", role_id=ROLE_OWNER,
                                                            use_common_alert_schema=True)],
            tags=self.tags, opts=self.child())
        notifications = {
            f"{kind.value.lower()}-{percent}": consumption.NotificationArgs(
                enabled=True, operator=consumption.OperatorType.GREATER_THAN_OR_EQUAL_TO, threshold=percent,
                threshold_type=kind, contact_emails=[], contact_groups=[group.id],
                locale=consumption.CultureCode.FR_FR)
            for percent, kind in THRESHOLDS
        }
        # Each project's resources carry hdh-enclave=<project> (providers.contract.tags_for).
        only_enclave = None if self.enclave is None else consumption.BudgetFilterArgs(
            tags=consumption.BudgetComparisonExpressionArgs(
                name="hdh-enclave", operator=consumption.BudgetOperatorType.IN_, values=[self.enclave]))
        start = today().replace(day=1)
        budget = consumption.Budget(
            self.role("monthly"), budget_name=self.name, scope=resource_group_id(self),
            amount=PLATFORM_MONTHLY_BUDGET if self.enclave is None else ENCLAVE_MONTHLY_BUDGET,
            category=consumption.CategoryType.COST, time_grain=consumption.TimeGrainType.MONTHLY,
            # The API wants the first day of the current month at creation; later runs leave it alone.
            time_period=consumption.BudgetTimePeriodArgs(start_date=f"{start.isoformat()}T00:00:00Z"),
            filter=only_enclave, notifications=notifications,
            opts=self.child(ignore_changes=["timePeriod"]))
        return budget.id, None
