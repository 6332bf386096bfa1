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
    revealed,
)


def _leading_code(label: str) -> str:
    """``"73 Business Services"`` -> ``"73"`` (SIC labels start with their code)."""
    head = str(label).split(" ", 1)[0]
    return head if head.isdigit() else str(label)


class IcpChecks(ModuleChecks):
    """Exercises 1.1-1.6: the win rates of segments and the ICP rule fitted on them.

    Expected answers come from :func:`helpers.icp.prepare_icp`, :func:`helpers.icp.fit_icp`
    and :func:`helpers.icp.segment_tables` with ``params.min_segment_size``,
    ``params.max_rule_conditions`` and ``params.tier_lifts``; exercise 1.6 reads
    :func:`helpers.workshop.rule_segments`, the table the notebook shows.
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

        tables = self._icp_tables()
        table = icp.table_for(tables, dimension) if "dimension" in tables else tables.iloc[0:0]
        if table.empty:
            raise ValueError(f"this organization's data has no '{dimension}' segments.")
        return table

    def _rankable(self, table: pd.DataFrame) -> pd.DataFrame:
        from helpers import icp

        return table[table["reliable"] & ~table["pooled"] & (table["segment"] != icp.UNKNOWN)]

    @checked("1.1", "the won and lost counts of closed opportunities: won / (won + lost).")
    def icp_overall_win_rate(self, win_rate) -> CheckResult:
        """Exercise 1.1: the overall win rate of closed opportunities."""
        inputs = self._icp_inputs()
        expected = float(inputs.deals["won"].astype(bool).mean())
        with_open = float(inputs.deals["won"].sum()) / (len(inputs.deals) + inputs.open_excluded)
        return check_number(
            "1.1", win_rate, expected,
            what="the overall win rate of closed opportunities",
            hint="divide the won opportunities by the closed ones (won + lost): an open "
            "opportunity has no outcome yet.",
            code_hint='inputs.deals["won"].mean()',
            rel_tol=0.005, decimals=3, fraction=True,
            mistakes=[(
                with_open,
                "open opportunities are not lost yet: leave them out of the denominator.",
            )],
        )

    @checked("1.2", "the industry chart: the longest coloured bar (grey bars have too few deals).")
    def icp_top_industry(self, top_industry) -> CheckResult:
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
            "1.2", top_industry, accepted,
            what="the industry with the highest win rate among segments with enough deals",
            hint="on the chart, skip the grey bars, 'Other (small)' and 'Unknown', then take "
            "the longest bar.",
            code_hint='keep industry["reliable"] rows, then sort by "win_rate".',
            mistakes=mistakes,
            options=table["segment"].tolist() + [_leading_code(x) for x in table["segment"]],
            right="that is the industry that wins most often among segments with enough deals.",
        )

    @checked("1.3", "the 4-digit table: the codes with at least min_segment_size opportunities.")
    def icp_rankable_codes(self, n_rankable_codes) -> CheckResult:
        """Exercise 1.3: how many 4-digit SIC codes have enough deals to be ranked."""
        table = self._icp_table("sic_code")
        expected = len(self._rankable(table))
        if _as_number(n_rankable_codes) == int(table["reliable"].sum()):  # 'Unknown' too is fine
            expected = int(table["reliable"].sum())
        perfect = int(((table["win_rate"] == 1.0) & (table["segment"] != "Unknown")).sum())
        return check_number(
            "1.3", n_rankable_codes, expected,
            what="the number of 4-digit codes with enough deals to rank",
            hint="count the codes whose 'opportunities' reach min_segment_size (the table is "
            "sorted by opportunities: look at the top rows).",
            code_hint='filter the 4-digit table on its "reliable" column.',
            abs_tol=0, rel_tol=0, decimals=0,
            mistakes=[
                (perfect, "those are the codes that won every deal - on how many deals each?"),
                (len(table), "that counts every code, however few deals it has."),
            ],
        )

    @checked("1.4", "the company-size chart: the longest reliable bar, and its interval's low end.")
    def icp_size_band(self, best_band, proven) -> CheckResult:
        """Exercise 1.4: the band with the highest lift, and whether it clears the average."""
        inputs = self._icp_inputs()
        table = self._rankable(self._icp_table("employee_band"))
        top = table.loc[table["lift"] == table["lift"].max()]
        overall = float(inputs.deals["won"].astype(bool).mean())
        first = check_choice(
            "1.4", best_band, top["segment"].tolist(),
            what="the employee band with the highest lift among bands with enough deals",
            hint="lift follows the win rate: among the coloured bars, take the longest.",
            code_hint='keep the reliable bands, then take the largest "lift".',
            options=self._icp_table("employee_band")["segment"].tolist(),
        )
        second = check_bool(
            "1.4", proven, bool((top["ci_low"] > overall).all()),
            what="whether that band's 95% interval stays above the overall win rate (proven)",
            hint="'proven' means the whole black interval line sits right of the dashed "
            "overall line.",
            code_hint='compare the band\'s "ci_low" with the overall win rate.',
        )
        return combine("1.4", [first, second], "right band, and the right reading of its interval.")

    @checked("1.5", "the rule's evidence table: the 'inside ICP' row, leads_share and win_rate.")
    def icp_rule_evidence(self, icp_coverage, icp_win_rate) -> CheckResult:
        """Exercise 1.5: the ICP rule's share of leads and its win rate."""
        from helpers import icp

        model = self._icp_model()
        if not model.conditions:
            raise ValueError(
                "module 1 finds no ICP rule on this data: no segment wins clearly more often "
                "than the average."
            )
        evidence = icp.rule_evidence(self._icp_inputs(), model).loc["inside ICP"]
        first = check_number(
            "1.5", icp_coverage, float(evidence["leads_share"]),
            what="the share of leads inside the ICP rule", fraction=True, rel_tol=0.01,
            decimals=3,
            hint="coverage is measured on leads here, the people marketing must find: not on "
            "deals or accounts.",
            code_hint='the "leads_share" column of the "inside ICP" row.',
            mistakes=[
                (
                    float(evidence["opportunities_share"]),
                    "that is the share of closed deals, not of leads.",
                ),
                (float(evidence["accounts_share"]), "that is the share of accounts, not of leads."),
            ],
        )
        second = check_number(
            "1.5", icp_win_rate, float(evidence["win_rate"]),
            what="the win rate inside the ICP rule", fraction=True, rel_tol=0.01, decimals=3,
            hint="the win rate of the deals inside the rule, in the same row.",
            code_hint='the "win_rate" column of the "inside ICP" row.',
        )
        return combine(
            "1.5", [first, second], "that is the rule's coverage of leads and its win rate."
        )

    def _rule_segments(self) -> pd.DataFrame:
        from helpers.workshop.tables import rule_segments

        return self._cached(
            "rule_segments",
            lambda: rule_segments(self._icp_inputs(), self._icp_model(), self._icp_tables()),
        )

    @checked("1.6", "the rule's segments table: the lowest win rate, and its leads_in_icp_share.")
    def icp_drop_segment(self, dropped, coverage_cost) -> CheckResult:
        """Exercise 1.6: the rule's weakest segment, and the share of leads dropping it costs."""
        table = self._rule_segments()
        weakest = table[table["win_rate"] == table["win_rate"].min()]
        names = weakest["segment"].tolist()
        first = check_choice(
            "1.6", dropped, names + [_leading_code(n) for n in names],
            what="the segment of the rule with the lowest win rate",
            hint="in the table of the rule's segments, find the lowest win rate.",
            code_hint='table.sort_values("win_rate")["segment"].iloc[0]',
            options=table["segment"].tolist() + [_leading_code(s) for s in table["segment"]],
        )
        if not first.passed:
            return first
        dropped = revealed(dropped, first)
        row = next(
            r
            for _, r in weakest.iterrows()
            if _norm(r["segment"]) == _norm(dropped)
            or _norm(_leading_code(r["segment"])) == _norm(dropped)
        )
        narrower = len(self._icp_model().conditions) > 1
        second = check_number(
            "1.6", coverage_cost, float(row["leads_in_icp_share"]),
            what="the share of all leads the ICP would lose", fraction=True, rel_tol=0.02,
            decimals=3,
            hint="only the leads inside the rule leave it: the segment's share of leads "
            "inside the ICP, not of all leads.",
            code_hint='the "leads_in_icp_share" column of that row.',
            mistakes=[(
                float(row["leads_share"]),
                "that counts every lead of the segment; only the leads inside the rule leave it.",
            )]
            if narrower
            else [],
        )
        return combine("1.6", [first, second], "right segment, and the right price in coverage.")
