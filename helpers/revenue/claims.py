"""The claims ledger: published sales & marketing alignment claims, with their source and
grade, and the table that sets them beside the org's own figures (never as proof)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from helpers.revenue.alignment_effect import AlignmentEffect
    from helpers.revenue.scenarios import ScenarioResult

#: Grades used in the claims ledger (best to worst).
CLAIM_GRADES = {
    "A": "primary study with published method, checked",
    "B": "primary source found (vendor survey, self-reported, correlational)",
    "C": "secondary sources only: primary report not found",
    "D": "attributed in passing, no primary source found",
}

_SEED_ARTICLE = "the seed article (and many marketing blogs)"
_VENDOR_BOOKS = "secondary sources (blogs, vendor e-books)"
_ABERDEEN = "secondary sources citing an Aberdeen survey"

#: One row per claim: the ``claims_ledger`` parameter giving its figure, then ``claim``,
#: ``metric``, ``attributed_to``, ``where_seen``, ``primary_source_found``, ``grade``.
_CLAIMS = (
    (
        "sirius_growth",
        "Aligned orgs grow revenue faster",
        "faster revenue growth (relative)",
        "SiriusDecisions",
        _SEED_ARTICLE,
        False,
        "D",
    ),
    (
        "sirius_profit",
        "Aligned orgs are more profitable",
        "higher profitability (relative)",
        "SiriusDecisions",
        _SEED_ARTICLE,
        False,
        "D",
    ),
    (
        "sirius_3yr_revenue",
        "Aligned orgs: 3-year revenue growth",
        "faster 3-year revenue growth",
        "SiriusDecisions",
        _VENDOR_BOOKS,
        False,
        "C",
    ),
    (
        "sirius_3yr_profit",
        "Aligned orgs: 3-year profit growth",
        "faster 3-year profit growth",
        "SiriusDecisions",
        _VENDOR_BOOKS,
        False,
        "C",
    ),
    (
        "aberdeen_aligned",
        "Annual revenue growth, aligned orgs",
        "annual revenue growth",
        "Aberdeen Group",
        _ABERDEEN,
        False,
        "C",
    ),
    (
        "aberdeen_misaligned",
        "Annual revenue growth, misaligned orgs",
        "annual revenue growth",
        "Aberdeen Group",
        _ABERDEEN,
        False,
        "C",
    ),
    (
        "idc_cost",
        "Misalignment costs at least this share of revenue",
        "revenue lost per year",
        "IDC",
        "secondary sources",
        False,
        "C",
    ),
)


def claims_ledger(
    sirius_growth: float = 0.19,
    sirius_profit: float = 0.15,
    sirius_3yr_revenue: float = 0.24,
    sirius_3yr_profit: float = 0.27,
    aberdeen_aligned: float = 0.20,
    aberdeen_misaligned: float = -0.04,
    idc_cost: float = 0.10,
) -> pd.DataFrame:
    """The published sales & marketing alignment claims, with source and grade.

    Figures are parameters so a facilitator can correct them; the sources and
    grades say how far each can be trusted. None of them is evidence about a
    particular organization: they are survey averages of self-reported
    "alignment", correlational at best.

    Returns
    -------
    DataFrame
        One row per claim: ``claim``, ``figure`` (fraction), ``metric``,
        ``attributed_to``, ``where_seen``, ``primary_source_found``, ``grade``,
        ``grade_meaning``.
    """
    figures = {
        "sirius_growth": sirius_growth,
        "sirius_profit": sirius_profit,
        "sirius_3yr_revenue": sirius_3yr_revenue,
        "sirius_3yr_profit": sirius_3yr_profit,
        "aberdeen_aligned": aberdeen_aligned,
        "aberdeen_misaligned": aberdeen_misaligned,
        "idc_cost": idc_cost,
    }
    rows = [(claim, figures[key], *rest) for key, claim, *rest in _CLAIMS]
    out = pd.DataFrame(
        rows,
        columns=[
            "claim",
            "figure",
            "metric",
            "attributed_to",
            "where_seen",
            "primary_source_found",
            "grade",
        ],
    )
    out["grade_meaning"] = out["grade"].map(CLAIM_GRADES)
    return out


def claims_comparison(
    ledger: pd.DataFrame,
    org_figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One table for the claims chart: published claims and the org's own figures.

    ``org_figures`` has ``claim``, ``figure``, ``low``, ``high`` (fractions).
    """
    c = ledger[["claim", "figure", "grade"]].copy()
    c["low"] = np.nan
    c["high"] = np.nan
    c["kind"] = "published claim"
    if org_figures is not None and len(org_figures):
        o = org_figures[["claim", "figure", "low", "high"]].copy()
        o["grade"] = "this org"
        o["kind"] = "this org (modelled / estimated)"
        c = pd.concat([c, o], ignore_index=True)
    for col in ("claim", "grade", "kind"):
        c[col] = c[col].astype("string")
    return c


def org_claim_rows(result: ScenarioResult | None, effect: AlignmentEffect | None) -> pd.DataFrame:
    """This org's own figures for the claims chart: modelled uplift and estimated history."""
    rows = []
    if result is not None:
        u = result.uplift
        h = u["horizon_months"]
        rows.append(
            (
                f"This org: modelled revenue uplift ({h} months)",
                u["revenue_pct"],
                u["revenue_pct_low"],
                u["revenue_pct_high"],
            )
        )
        base_gp = float(result.totals.set_index("scenario").loc["baseline", "gross_profit"])
        if base_gp > 0:
            rows.append(
                (
                    f"This org: modelled gross profit uplift ({h} months)",
                    u["gross_profit"] / base_gp,
                    u["gross_profit_low"] / base_gp,
                    u["gross_profit_high"] / base_gp,
                )
            )
    if effect is not None:
        rows.append(
            (
                "This org: revenue level after vs before its alignment start (history)",
                effect.level_ratio - 1,
                effect.level_low - 1,
                effect.level_high - 1,
            )
        )
    return pd.DataFrame(rows, columns=["claim", "figure", "low", "high"])
