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

#: The rows of :func:`helpers.revenue.org_claim_rows` exercises 3.6 and 3.7 read.
HISTORY_ROW = "revenue level after vs before"
PROFIT_ROW = "modelled gross profit uplift"

#: Exercise 3.1's worked example: a 2.4M plan at 30k deals, with these conversions.
HAND_PLAN, HAND_DEAL = 2_400_000, 30_000
HAND_RATES = {"inquiry->mql": 0.25, "mql->sql": 0.60, "sql->opportunity": 0.50,
              "opportunity->won": 0.15}


class RevenueChecks(ModuleChecks):
    """Exercises 3.1-3.7: the reverse waterfall, the plan gap, scenarios and the claims.

    Expected answers come from :func:`helpers.revenue.try_build_funnel` and the revenue
    helpers, with ``params.touches_plateau``, ``params.sla_hours``, ``params.horizon_months``,
    ``params.alignment_cost_monthly``, ``params.alignment_start`` (default: the org's
    ``org.yml`` parameter) and ``params.seed``.
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

    def _need_levers(self) -> None:
        """The aligned scenario needs a sales-work lever, else it is today's funnel again."""
        if self._rv_levers().combined is None:
            raise ValueError(
                "this organization's data gives no sales-work lever (no sales touches to "
                "measure), so the aligned funnel is today's: there is no uplift to read."
            )

    def _rv_scenarios(self):
        from helpers import revenue

        def compute():
            model, levers, p = self._rv_model(), self._rv_levers(), self.params
            growth = revenue.estimate_growth(model.counts[model.top_stage], model.as_of)
            margin, _ = revenue.gross_margin_rate(self.data.opportunities)
            result = revenue.project_scenarios(
                model.rates, model.deal, model.current[model.top_stage],
                [levers.combined] if levers.combined else [], model.first_projection_month,
                horizon=p.horizon_months, growth=growth, gross_margin=margin, seed=p.seed,
                alignment_cost_monthly=p.alignment_cost_monthly,
            )
            tornado = revenue.sensitivity(
                model.rates, model.deal, model.current[model.top_stage], levers.levers,
                horizon=p.horizon_months, growth=growth,
            )
            return result, tornado

        return self._cached("rv_scenarios", compute)

    def _rv_effect(self):
        from helpers import revenue

        def compute():
            start = self.params.alignment_start or self.data.config.parameters.get(
                "alignment_start", ""
            )
            model = self._rv_model()
            _, effect, sentence = revenue.estimate_alignment_effect(
                model, model.opportunities, start, seed=self.params.seed
            )
            return effect, sentence

        return self._cached("rv_effect", compute)

    def _claim_row(self, starts: str):
        """The row of this org's own figures (:func:`helpers.revenue.org_claim_rows`)."""
        from helpers import revenue

        effect, sentence = self._rv_effect()
        rows = revenue.org_claim_rows(self._rv_scenarios()[0], effect)
        found = rows[rows["claim"].str.contains(starts, regex=False)]
        if found.empty:
            raise ValueError(sentence if starts == HISTORY_ROW else f"no '{starts}' figure.")
        return found.iloc[0]

    @staticmethod
    def _claim_figure(key: str) -> float:
        from helpers import revenue

        ledger = revenue.claims_ledger()
        metric = {"growth": "faster revenue growth", "profit": "higher profitability"}[key]
        row = ledger[(ledger["attributed_to"] == "SiriusDecisions")
                     & ledger["metric"].str.startswith(metric)]
        return float(row["figure"].iloc[0])

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
            what="the inquiries the plan needs", rel_tol=0, abs_tol=0, decimals=0,
            hint="work back from the wins: divide by each conversion in turn, from the bottom "
            "up, with a calculator.",
            code_hint="math.ceil(2_400_000 / 30_000 / 0.15 / 0.50 / 0.60 / 0.25)",
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

    @checked("3.2", "the plan gap table: the top stage's 'needed_per_month'.")
    def revenue_leads_needed(self, inquiries_needed) -> CheckResult:
        """Exercise 3.2: the top-of-funnel count the plan needs per month, at today's rates."""
        return self._leads_needed("3.2", inquiries_needed)

    def _leads_needed(self, exercise: str, per_month) -> CheckResult:
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        needed = float(gap.loc[top, "needed_per_month"])
        given = _as_number(per_month)
        if given is not None and math.isclose(given, math.ceil(needed)):
            needed = float(math.ceil(needed))  # rounded up is right too
        return check_number(
            exercise, per_month, needed,
            what=f"the {top} count the plan needs per month", rel_tol=0.005, decimals=1,
            hint="what the plan needs each month at today's conversion rates - not what "
            "arrives today.",
            code_hint=f'gap.set_index("stage").loc["{top}", "needed_per_month"]',
            mistakes=[(
                float(gap.loc[top, "run_rate"]),
                "that is what arrives today (the run-rate), not what the plan needs.",
            )],
        )

    @checked("3.3", "the plan gap table: the top stage's 'gap' and 'high'.")
    def revenue_gap(self, shortfall, plan_high) -> CheckResult:
        """Exercise 3.3: the monthly shortfall, and the upper end of the need's interval."""
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        first = check_number(
            "3.3", shortfall, float(gap.loc[top, "gap"]),
            what="the monthly shortfall of today's flow", rel_tol=0.01, abs_tol=0.5, decimals=1,
            hint="what the plan needs a month minus what arrives today (negative means ahead "
            "of plan).",
            code_hint='the "gap" column of the top stage\'s row.',
            mistakes=[(
                -float(gap.loc[top, "gap"]), "the sign is reversed: needed minus run-rate."
            )],
        )
        second = check_number(
            "3.3", plan_high, float(gap.loc[top, "high"]),
            what="the upper end of the 90% interval of the need", rel_tol=0.01, decimals=1,
            hint="the need if the true rates sit at the low end of what the data allows: the "
            "upper end of the interval.",
            code_hint='the "high" column of the top stage\'s row.',
            mistakes=[(float(gap.loc[top, "low"]), "that is the lower end of the interval.")],
        )
        return combine("3.3", [first, second], "the shortfall, and how much bigger it could be.")

    @checked("3.4", "the uplift sentence under the fan chart: the uplift and its low end.")
    def revenue_uplift(self, uplift, uplift_low) -> CheckResult:
        """Exercise 3.4: the aligned scenario's relative uplift, and its interval's low end."""
        self._need_levers()
        u = self._rv_scenarios()[0].uplift
        first = check_number(
            "3.4", uplift, float(u["revenue_pct"]),
            what="the aligned scenario's revenue uplift", fraction=True,
            rel_tol=0.01, abs_tol=0.002, decimals=3,
            hint="the uplift relative to today's funnel's revenue (a percentage), not in money.",
            code_hint='result.uplift["revenue_pct"]',
            mistakes=[(
                float(u["revenue"]),
                "that is the uplift in money; give it relative to today's revenue.",
            )],
        )
        second = check_number(
            "3.4", uplift_low, float(u["revenue_pct_low"]),
            what="the low end of its 90% interval", fraction=True, rel_tol=0.01, abs_tol=0.002,
            decimals=3,
            hint="the first number of the interval.",
            code_hint='result.uplift["revenue_pct_low"]',
        )
        return combine(
            "3.4",
            [first, second],
            "that is this organization's own modelled uplift, with its uncertainty.",
        )

    @checked("3.5", "the tornado chart: the longest orange (lever) bar.")
    def revenue_top_lever(self, top_lever) -> CheckResult:
        """Exercise 3.5: the sales-work lever worth the most revenue within the horizon."""
        tornado = self._rv_scenarios()[1]
        levers = tornado[tornado["kind"] == "lever"]
        if levers.empty:
            raise ValueError("this organization's data gives no sales-work lever to compare.")
        best = levers.loc[levers["swing"] == levers["swing"].max(), "driver"].tolist()
        return check_choice(
            "3.5", top_lever, best,
            what="the lever worth the most revenue within the horizon",
            hint="only the orange bars are sales-work levers; take the longest one.",
            code_hint='tornado[tornado["kind"] == "lever"], the largest "swing".',
            options=tornado["driver"].tolist(),
            mistakes={
                d: "that is a driver (a 10% move of a rate or volume), "
                "not one of the sales-work levers."
                for d in tornado.loc[tornado["kind"] != "lever", "driver"]
            },
        )

    @checked("3.6", "the like-with-like table: the history row's figure, low and high.")
    def revenue_history_claim(self, history_change, claim_inside) -> CheckResult:
        """Exercise 3.6: this org's own before/after revenue change, against the 19% claim.

        Like with like: both say how much more revenue comes with alignment than without -
        the claim across surveyed companies, the estimate within this company over time.
        """
        row = self._claim_row(HISTORY_ROW)
        claim = self._claim_figure("growth")
        first = check_number(
            "3.6", history_change, float(row["figure"]),
            what="this organization's revenue change after its alignment start", fraction=True,
            rel_tol=0.01, decimals=3,
            hint="the change of its own history, as a fraction (+0.30 = 30% more), in the "
            "history row - not the modelled uplift.",
            code_hint=f'org_rows: the row whose "claim" contains "{HISTORY_ROW}".',
            mistakes=[(
                float(self._rv_scenarios()[0].uplift["revenue_pct"]),
                "that is the modelled uplift (a scenario); the history row is what happened.",
            ), (float(row["figure"]) + 1, "that is the ratio (x); give the change (x minus 1).")],
        )
        second = check_bool(
            "3.6", claim_inside, bool(row["low"] <= claim <= row["high"]),
            what=f"whether the claimed {claim:.0%} lies inside this history's interval",
            hint=f"is {claim:.0%} between the low and high ends of the history row?",
            code_hint=f'row["low"] <= {claim} <= row["high"]',
        )
        return combine(
            "3.6", [first, second],
            "like with like: this organization's own before/after, against the claim.",
        )

    @checked("3.7", "the like-with-like table: the gross-profit row's figure, low and high.")
    def revenue_profit_claim(self, profit_uplift, claim_inside) -> CheckResult:
        """Exercise 3.7: this org's modelled gross-profit uplift, against the 15% claim.

        The uplift is net of the alignment programme's monthly cost
        (``params.alignment_cost_monthly``).
        """
        self._need_levers()
        row = self._claim_row(PROFIT_ROW)
        claim = self._claim_figure("profit")
        first = check_number(
            "3.7", profit_uplift, float(row["figure"]),
            what="the aligned funnel's gross-profit uplift, after the programme's cost",
            fraction=True, rel_tol=0.01, decimals=3,
            hint="the gross-profit row, as a fraction of today's gross profit.",
            code_hint=f'org_rows: the row whose "claim" contains "{PROFIT_ROW}".',
            mistakes=[(
                float(self._rv_scenarios()[0].uplift["revenue_pct"]),
                "that is the revenue uplift; profit pays the programme's cost too.",
            )],
        )
        second = check_bool(
            "3.7", claim_inside, bool(row["low"] <= claim <= row["high"]),
            what=f"whether the claimed {claim:.0%} lies inside that interval",
            hint=f"is {claim:.0%} between the low and high ends of the gross-profit row?",
            code_hint=f'row["low"] <= {claim} <= row["high"]',
        )
        return combine(
            "3.7", [first, second], "the profit claim, held against this organization's model."
        )
