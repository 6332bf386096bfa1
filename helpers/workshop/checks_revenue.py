"""Self-checks of module 3 (``03_revenue_growth``): the plan's funnel, its gap, the levers."""

from __future__ import annotations

import math

import pandas as pd

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.results import (
    CheckResult,
    _as_number,
    check_bool,
    check_choice,
    check_number,
    checked,
    combine,
)

#: Exercise 3.1's worked example: a 2.4M plan at 30k deals, with these conversions.
HAND_PLAN, HAND_DEAL = 2_400_000, 30_000
HAND_RATES = {"inquiry->mql": 0.25, "mql->sql": 0.60, "sql->opportunity": 0.50,
              "opportunity->won": 0.15}


class RevenueChecks(ModuleChecks):
    """Exercises 3.1-3.6: the reverse waterfall, the plan gap, scenarios and the claims ledger.

    Expected answers come from :func:`helpers.revenue.try_build_funnel` and the revenue
    helpers, with ``params.touches_plateau``, ``params.sla_hours``, ``params.horizon_months``
    and ``params.seed``.
    """

    def _rv_model(self):
        from helpers import revenue

        def compute():
            model, why = revenue.try_build_funnel(self.data)
            if model is None:
                raise ValueError(why)
            return model

        return self._cached("rv_model", compute)

    def _rv_plan(self):
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_plan",
            lambda: revenue.plan_targets(
                self.data.plan, model.as_of, trailing_revenue=model.trailing_revenue(12)
            ),
        )

    def _rv_gap(self) -> pd.DataFrame:
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_gap",
            lambda: revenue.plan_gap(
                self._rv_plan().targets, model.rates, model.deal, model.current,
                seed=self.params.seed,
            ),
        )

    def _rv_levers(self):
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_levers",
            lambda: revenue.alignment_levers(
                model, self.data.leads, self.data.activities,
                plateau=self.params.touches_plateau, sla_hours=self.params.sla_hours,
                seed=self.params.seed,
            ),
        )

    def _rv_scenarios(self):
        from helpers import revenue

        def compute():
            model, levers, p = self._rv_model(), self._rv_levers(), self.params
            growth = revenue.estimate_growth(model.counts[model.top_stage], model.as_of)
            result = revenue.project_scenarios(
                model.rates, model.deal, model.current[model.top_stage],
                [levers.combined] if levers.combined else [], model.first_projection_month,
                horizon=p.horizon_months, growth=growth, seed=p.seed,
            )
            tornado = revenue.sensitivity(
                model.rates, model.deal, model.current[model.top_stage], levers.levers,
                horizon=p.horizon_months, growth=growth,
            )
            return result, tornado

        return self._cached("rv_scenarios", compute)

    @checked(
        "3.1",
        "wins = plan / deal size, then divide by each conversion; round up once, at the end.",
    )
    def revenue_hand_waterfall(self, inquiries) -> CheckResult:
        """Exercise 3.1: the worked example's inquiries (:data:`HAND_PLAN`, :data:`HAND_RATES`).

        A 2.4M plan at 30k deals, with conversions of 25%, 60%, 50% and 15%.
        """
        from helpers import revenue

        table = revenue.reverse_waterfall(HAND_PLAN, HAND_DEAL, HAND_RATES)
        stepwise = HAND_PLAN / HAND_DEAL
        for rate in reversed(list(HAND_RATES.values())):
            stepwise = math.ceil(stepwise / rate)
        return check_number(
            "3.1", inquiries, float(table["needed_rounded"].iloc[0]),
            what="the inquiries the plan needs", rel_tol=0, abs_tol=0,
            hint="work back from the wins: divide by each conversion in turn, from the bottom up.",
            mistakes=[
                (
                    float(table["needed"].iloc[0]),
                    "right maths, but you cannot have a fraction of a lead: round up.",
                ),
                (
                    math.floor(table["needed"].iloc[0]),
                    "rounding down falls short of the plan: round up.",
                ),
                (
                    float(stepwise),
                    "rounding up at every stage inflates the plan: round only the final count.",
                ),
            ],
        )

    @checked("3.2", "the plan gap table: the 'needed_per_month' of the top stage.")
    def revenue_leads_needed(self, inquiries_per_month) -> CheckResult:
        """Exercise 3.2: the top-of-funnel count the plan needs per month, at today's rates."""
        return self._leads_needed("3.2", inquiries_per_month)

    def _leads_needed(self, exercise: str, per_month) -> CheckResult:
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        needed = float(gap.loc[top, "needed_per_month"])
        given = _as_number(per_month)
        if given is not None and math.isclose(given, math.ceil(needed)):
            needed = float(math.ceil(needed))  # rounded up is right too
        return check_number(
            exercise, per_month, needed,
            what=f"the {top} count the plan needs per month", rel_tol=0.005,
            hint="plan_gap gives, per stage, the count needed per month at today's observed rates.",
            mistakes=[(
                float(gap.loc[top, "run_rate"]),
                "that is what arrives today (the run-rate), not what the plan needs.",
            )],
        )

    @checked("3.3", "the 'gap' and 'high' columns of the top stage's row.")
    def revenue_gap(self, shortfall, plan_high) -> CheckResult:
        """Exercise 3.3: the monthly shortfall, and the upper end of the need's interval."""
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        first = check_number(
            "3.3", shortfall, float(gap.loc[top, "gap"]),
            what="the monthly shortfall of today's flow", rel_tol=0.01, abs_tol=0.5,
            hint="needed per month minus today's run-rate "
            "(the 'gap' column; negative means ahead of plan).",
            mistakes=[(
                -float(gap.loc[top, "gap"]), "the sign is reversed: needed minus run-rate."
            )],
        )
        second = check_number(
            "3.3", plan_high, float(gap.loc[top, "high"]),
            what="the upper end of the 90% interval of the need", rel_tol=0.01,
            hint="the 'high' column: the need if the true rates sit at the low end of what the "
            "data allows.",
            mistakes=[(float(gap.loc[top, "low"]), "that is the lower end of the interval.")],
        )
        return combine("3.3", [first, second], "the shortfall, and how much bigger it could be.")

    @checked("3.4", "result.uplift: 'revenue_pct' and 'revenue_pct_low'.")
    def revenue_uplift(self, uplift, uplift_low) -> CheckResult:
        """Exercise 3.4: the aligned scenario's relative uplift, and its interval's low end."""
        u = self._rv_scenarios()[0].uplift
        first = check_number(
            "3.4", uplift, float(u["revenue_pct"]),
            what="the aligned scenario's revenue uplift", fraction=True,
            rel_tol=0.01, abs_tol=0.002,
            hint="result.uplift['revenue_pct'] (a fraction of today's funnel's revenue).",
            mistakes=[(
                float(u["revenue"]),
                "that is the uplift in money; give it relative to today's revenue.",
            )],
        )
        second = check_number(
            "3.4", uplift_low, float(u["revenue_pct_low"]),
            what="the low end of its 90% interval", fraction=True, rel_tol=0.01, abs_tol=0.002,
            hint="result.uplift['revenue_pct_low'].",
        )
        return combine(
            "3.4",
            [first, second],
            "that is this organization's own modelled uplift, with its uncertainty.",
        )

    @checked("3.5", "the tornado table: among the rows of kind 'lever', the largest swing.")
    def revenue_top_lever(self, lever) -> CheckResult:
        """Exercise 3.5: the sales-work lever worth the most revenue within the horizon."""
        tornado = self._rv_scenarios()[1]
        levers = tornado[tornado["kind"] == "lever"]
        if levers.empty:
            raise ValueError("this organization's data gives no sales-work lever to compare.")
        best = levers.loc[levers["swing"] == levers["swing"].max(), "driver"].tolist()
        return check_choice(
            "3.5", lever, best,
            what="the lever worth the most revenue within the horizon",
            hint="filter the tornado table on kind == 'lever' and take the largest swing.",
            options=tornado["driver"].tolist(),
            mistakes={
                d: "that is a driver (a 10% move of a rate or volume), "
                "not one of the sales-work levers."
                for d in tornado.loc[tornado["kind"] != "lever", "driver"]
            },
        )

    @checked(
        "3.6", "the claims ledger's grade column; then compare the uplift's low end with 0.19."
    )
    def revenue_quote_claim(self, grade, above_claim) -> CheckResult:
        """Exercise 3.6: the grade of the 19% claim, and whether the uplift clearly beats it."""
        from helpers import revenue

        ledger = revenue.claims_ledger()
        row = ledger.loc[
            (ledger["attributed_to"] == "SiriusDecisions") & ledger["figure"].eq(0.19)
        ].iloc[0]
        u = self._rv_scenarios()[0].uplift
        first = check_choice(
            "3.6", grade, row["grade"],
            what="the grade of the article's 19% claim",
            hint="revenue.claims_ledger(): the row of the 19% SiriusDecisions claim.",
            options=sorted(set(ledger["grade"])),
        )
        second = check_bool(
            "3.6", above_claim, bool(u["revenue_pct_low"] > row["figure"]),
            what="whether even the low end of this org's uplift is above 19%",
            hint="compare result.uplift['revenue_pct_low'] with 0.19.",
        )
        return combine("3.6", [first, second], "grade the claim, then plan with your own number.")
