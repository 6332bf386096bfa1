"""Self-checks of module 1 (``01_define_icp``): segment win rates, the ICP rule, its price."""

from __future__ import annotations

import pandas as pd

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.results import (
    CheckResult,
    _as_number,
    _norm,
    check_bool,
    check_choice,
    check_number,
    checked,
    combine,
)


def _leading_code(label: str) -> str:
    """``"73 Business Services"`` -> ``"73"`` (SIC labels start with their code)."""
    head = str(label).split(" ", 1)[0]
    return head if head.isdigit() else str(label)


class IcpChecks(ModuleChecks):
    """Exercises 1.1-1.6: the win rates of segments and the ICP rule fitted on them.

    Expected answers come from :func:`helpers.icp.prepare_icp`, :func:`helpers.icp.fit_icp`
    and :func:`helpers.icp.segment_tables` with ``params.min_segment_size``,
    ``params.max_rule_conditions`` and ``params.tier_lifts``.
    """

    def _icp_inputs(self):
        from helpers import icp

        d = self.data
        return self._cached(
            "icp_inputs",
            lambda: icp.prepare_icp(
                leads=d.leads, opportunities=d.opportunities, accounts=d.accounts
            ),
        )

    def _icp_tables(self) -> pd.DataFrame:
        from helpers import icp

        return self._cached(
            "icp_tables",
            lambda: icp.segment_tables(self._icp_inputs(), min_n=self.params.min_segment_size),
        )

    def _icp_model(self):
        from helpers import icp

        return self._cached(
            "icp_model",
            lambda: icp.fit_icp(
                self._icp_inputs(),
                min_n=self.params.min_segment_size,
                max_conditions=self.params.max_rule_conditions,
                tier_lifts=self.params.tier_lifts,
            ),
        )

    def _icp_table(self, dimension: str) -> pd.DataFrame:
        from helpers import icp

        table = icp.table_for(self._icp_tables(), dimension)
        if table.empty:
            raise ValueError(f"this organization's data has no '{dimension}' segments.")
        return table

    def _rankable(self, table: pd.DataFrame) -> pd.DataFrame:
        from helpers import icp

        return table[table["reliable"] & ~table["pooled"] & (table["segment"] != icp.UNKNOWN)]

    @checked("1.1", "won / (won + lost): open opportunities have no outcome yet.")
    def icp_overall_win_rate(self, answer) -> CheckResult:
        """Exercise 1.1: the overall win rate of closed opportunities."""
        inputs = self._icp_inputs()
        expected = float(inputs.deals["won"].astype(bool).mean())
        with_open = float(inputs.deals["won"].sum()) / (len(inputs.deals) + inputs.open_excluded)
        return check_number(
            "1.1", answer, expected,
            what="the overall win rate of closed opportunities",
            hint="divide the won opportunities by the closed ones (won + lost).",
            rel_tol=0.005, fraction=True,
            mistakes=[(
                with_open,
                "open opportunities are not lost yet: leave them out of the denominator.",
            )],
        )

    @checked("1.2", "look at the industry chart: green/blue bars with enough deals.")
    def icp_top_industry(self, answer) -> CheckResult:
        """Exercise 1.2: the industry segment that wins most often, among rankable ones."""
        dimension = self._icp_inputs().industry_dimension
        if dimension is None:
            raise ValueError("this organization's data has no industry or SIC code.")
        table = self._icp_table(dimension)
        ranked = self._rankable(table)
        best = ranked.loc[ranked["win_rate"] == ranked["win_rate"].max(), "segment"].tolist()
        accepted = best + [_leading_code(b) for b in best]
        unreliable = table.loc[~table["segment"].isin(ranked["segment"]), "segment"].tolist()
        mistakes = {
            s: "that segment has too few deals (or is a pool of small ones) to be ranked."
            for s in unreliable
        }
        mistakes.update({_leading_code(s): mistakes[s] for s in unreliable if s in mistakes})
        return check_choice(
            "1.2", answer, accepted,
            what="the industry with the highest win rate among segments with enough deals",
            hint="keep the rows marked reliable (not 'Other (small)' or 'Unknown'), "
            "then sort by win_rate.",
            mistakes=mistakes,
            options=table["segment"].tolist() + [_leading_code(x) for x in table["segment"]],
            right="that is the industry that wins most often among segments with enough deals.",
        )

    @checked("1.3", "count the codes with at least min_segment_size closed opportunities.")
    def icp_rankable_codes(self, answer) -> CheckResult:
        """Exercise 1.3: how many 4-digit SIC codes have enough deals to be ranked."""
        table = self._icp_table("sic_code")
        expected = len(self._rankable(table))
        if _as_number(answer) == int(table["reliable"].sum()):  # counting 'Unknown' too is fine
            expected = int(table["reliable"].sum())
        perfect = int(((table["win_rate"] == 1.0) & (table["segment"] != "Unknown")).sum())
        return check_number(
            "1.3", answer, expected,
            what="the number of 4-digit codes with enough deals to rank",
            hint="filter the 4-digit table on the 'reliable' column "
            "(or on opportunities >= min_segment_size).",
            abs_tol=0, rel_tol=0,
            mistakes=[
                (perfect, "those are the codes that won every deal - on how many deals each?"),
                (len(table), "that counts every code, however few deals it has."),
            ],
        )

    @checked("1.4", "highest lift among reliable bands; then compare ci_low with the overall rate.")
    def icp_size_band(self, band, proven) -> CheckResult:
        """Exercise 1.4: the band with the highest lift, and whether it clears the average."""
        inputs = self._icp_inputs()
        table = self._rankable(self._icp_table("employee_band"))
        top = table.loc[table["lift"] == table["lift"].max()]
        overall = float(inputs.deals["won"].astype(bool).mean())
        first = check_choice(
            "1.4", band, top["segment"].tolist(),
            what="the employee band with the highest lift among bands with enough deals",
            hint="keep the reliable bands, then take the largest lift.",
            options=self._icp_table("employee_band")["segment"].tolist(),
        )
        second = check_bool(
            "1.4", proven, bool((top["ci_low"] > overall).all()),
            what="whether that band's 95% interval stays above the overall win rate (proven)",
            hint="'proven' means the low end of the interval (ci_low) is above the overall "
            "win rate.",
        )
        return combine("1.4", [first, second], "right band, and the right reading of its interval.")

    @checked("1.5", "rule_evidence: the 'inside ICP' row, columns leads_share and win_rate.")
    def icp_rule_evidence(self, coverage, win_rate) -> CheckResult:
        """Exercise 1.5: the ICP rule's share of leads and its win rate."""
        from helpers import icp

        evidence = icp.rule_evidence(self._icp_inputs(), self._icp_model()).loc["inside ICP"]
        first = check_number(
            "1.5", coverage, float(evidence["leads_share"]),
            what="the share of leads inside the ICP rule", fraction=True, rel_tol=0.01,
            hint="coverage is measured on leads here: the 'leads_share' column.",
            mistakes=[
                (
                    float(evidence["opportunities_share"]),
                    "that is the share of closed deals, not of leads.",
                ),
                (float(evidence["accounts_share"]), "that is the share of accounts, not of leads."),
            ],
        )
        second = check_number(
            "1.5", win_rate, float(evidence["win_rate"]),
            what="the win rate inside the ICP rule", fraction=True, rel_tol=0.01,
            hint="the 'win_rate' column of the 'inside ICP' row.",
        )
        return combine(
            "1.5", [first, second], "that is the rule's coverage of leads and its win rate."
        )

    def _weakest_segments(self) -> tuple[list[tuple[float, str, str]], float]:
        """The rule's segments that could be dropped, and the lowest of their win rates.

        Every (win rate, dimension, segment) of the rule's conditions with two segments or more.
        """
        candidates = []
        for cond in self._icp_model().conditions:
            if len(cond.segments) < 2:
                continue
            rates = self._icp_table(cond.dimension).set_index("segment")["win_rate"]
            for seg in cond.segments:
                if seg in rates.index:
                    candidates.append((float(rates[seg]), cond.dimension, seg))
        if not candidates:
            raise ValueError(
                "this organization's ICP rule has no condition with two segments to choose from."
            )
        return candidates, min(c[0] for c in candidates)

    @checked(
        "1.6",
        "the segment of the rule with the lowest win rate; its leads inside the rule / all leads.",
    )
    def icp_drop_segment(self, segment, coverage_cost) -> CheckResult:
        """Exercise 1.6: the rule's weakest segment, and the share of leads dropping it costs."""
        from helpers import icp

        inputs, model = self._icp_inputs(), self._icp_model()
        candidates, low = self._weakest_segments()
        weakest = [c for c in candidates if c[0] == low]
        leads = inputs.leads
        inside = icp.condition_mask(leads, model.conditions)
        costs = [
            float((inside & (leads[dim].astype("str") == seg)).mean()) for _, dim, seg in weakest
        ]
        naive = [float((leads[dim].astype("str") == seg).mean()) for _, dim, seg in weakest]
        names = [seg for _, _, seg in weakest]
        first = check_choice(
            "1.6", segment, names + [_leading_code(n) for n in names],
            what="the segment of the rule with the lowest win rate",
            hint="look up the win rate of each segment named in the rule, in its segment table.",
            options=[c[2] for c in candidates] + [_leading_code(c[2]) for c in candidates],
        )
        if not first.passed:
            return first
        index = next(
            i
            for i, n in enumerate(names)
            if _norm(n) == _norm(segment) or _norm(_leading_code(n)) == _norm(segment)
        )
        second = check_number(
            "1.6", coverage_cost, costs[index],
            what="the share of all leads the ICP would lose", fraction=True, rel_tol=0.02,
            hint="count the leads inside the rule that are in that segment, divided by all leads.",
            mistakes=[(
                naive[index],
                "only the leads inside the rule leave it: "
                "combine the segment with the rule's mask.",
            )]
            if len(model.conditions) > 1
            else [],
        )
        return combine("1.6", [first, second], "right segment, and the right price in coverage.")
