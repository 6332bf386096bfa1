"""Profitability: gross margin, cost per MQL / SQL, CAC and payback, and programme
investments by channel on mature lead cohorts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.revenue.common import has_values, last_complete_month, month_start, won_mask

if TYPE_CHECKING:
    from helpers.revenue.funnel_model import DealSize
    from helpers.revenue.scenarios import ScenarioResult


def gross_margin_rate(
    opportunities: pd.DataFrame | None,
    *,
    default: float = 0.7,
    amount: str = "amount",
    margin: str = "gross_margin",
    profit: str = "gross_profit",
) -> tuple[float, str]:
    """Amount-weighted gross margin of won deals, or ``default`` with a sentence saying so.

    The margin comes from ``gross_margin`` (a fraction of each deal's amount) when won deals
    carry one, else from ``gross_profit`` (an amount: total gross profit over total amount
    of the won deals that have both), else it is the ``default`` parameter.

    Returns
    -------
    (float, str)
        The margin and how it was obtained (a clause for the notebook's sentence).
    """
    if opportunities is not None:
        o = opportunities
        won = won_mask(o)
        for col, per_deal in ((margin, True), (profit, False)):
            if not has_values(o, amount, col):
                continue
            keep = won & o[col].notna().to_numpy() & o[amount].notna().to_numpy()
            w = o.loc[keep]
            total = float(w[amount].sum())
            if not len(w) or total <= 0:
                continue
            gross = (w[amount] * w[col]).sum() if per_deal else w[col].sum()
            how = "amount-weighted" if per_deal else "their gross profit over their amount"
            return float(gross / total), f"measured on {len(w):,} won deals ({how})"
    return float(default), (
        "assumed: won deals carry no gross_margin or gross_profit (set the gross_margin parameter)"
    )


def unit_economics(
    counts: pd.DataFrame,
    spend: pd.DataFrame | None,
    deal: DealSize,
    gross_margin: float,
    as_of,
    *,
    months: int = 12,
    sales_cost_monthly: float = 0.0,
    contract_months: int = 12,
) -> pd.DataFrame:
    """Cost per MQL, CAC and payback over the last ``months`` complete months.

    CAC = (marketing programme spend + ``sales_cost_monthly`` x months) / deals
    won in the window; payback = CAC / monthly gross profit of a customer, where a
    deal's value is spread over ``contract_months`` (12 = annual contracts).

    Returns
    -------
    DataFrame
        ``metric``, ``value``, ``unit``.
    """
    end = last_complete_month(as_of)
    start = end - pd.DateOffset(months=months - 1)
    win = counts.loc[(counts.index >= start) & (counts.index <= end)]
    total_spend = np.nan
    if spend is not None and has_values(spend, "month", "amount"):
        sm = month_start(spend["month"])
        total_spend = float(spend.loc[((sm >= start) & (sm <= end)).to_numpy(), "amount"].sum())
    cost = total_spend + sales_cost_monthly * months if np.isfinite(total_spend) else np.nan
    mqls = float(win["mql"].sum()) if "mql" in win.columns else np.nan
    sqls = float(win["sql"].sum()) if "sql" in win.columns else np.nan
    wins = float(win["won"].sum()) if "won" in win.columns else np.nan
    revenue = float(win["revenue"].sum()) if "revenue" in win.columns else np.nan
    cac = cost / wins if wins else np.nan
    monthly_gp = deal.mean * gross_margin / contract_months
    rows = [
        ("marketing_spend", total_spend, "currency"),
        ("won_revenue", revenue, "currency"),
        ("gross_margin", gross_margin, "fraction"),
        ("gross_profit", revenue * gross_margin if np.isfinite(revenue) else np.nan, "currency"),
        ("mqls", mqls, "count"),
        ("sqls", sqls, "count"),
        ("wins", wins, "count"),
        ("cost_per_mql", total_spend / mqls if mqls else np.nan, "currency"),
        ("cost_per_sql", total_spend / sqls if sqls else np.nan, "currency"),
        ("cac", cac, "currency"),
        ("payback_months", cac / monthly_gp if monthly_gp > 0 else np.nan, "months"),
        (
            "marketing_spend_share_of_revenue",
            total_spend / revenue if revenue else np.nan,
            "fraction",
        ),
    ]
    out = pd.DataFrame(rows, columns=["metric", "value", "unit"])
    out["value"] = out["value"].astype(float)
    out.attrs["window"] = (start, end)
    out["metric"] = out["metric"].astype("string")
    out["unit"] = out["unit"].astype("string")
    return out


def channel_investments(
    times: pd.DataFrame,
    leads: pd.DataFrame,
    spend: pd.DataFrame,
    as_of,
    *,
    maturity_months: int = 6,
    window_months: int = 12,
    source: str = "source",
) -> pd.DataFrame:
    """Programme investments by channel on mature lead cohorts.

    Won revenue is attributed to the lead's source and creation month, and only
    cohorts created at least ``maturity_months`` before the last complete month
    are counted (younger leads have not had time to close: their spend would look
    wasted). Spend is taken over the same months as the cohorts.

    Returns
    -------
    DataFrame
        One row per channel: ``spend, leads, mqls, sqls, won_deals, won_revenue,
        cost_per_lead, cost_per_mql, cost_per_sql, cost_per_won, revenue_per_spend``;
        attrs ``window`` = (first, last cohort month).
    """
    if spend is None or not has_values(spend, "month", "channel", "amount"):
        raise ValueError("Programme investments need the spend table (month, channel, amount).")
    if not has_values(leads, source, "created_at"):
        raise ValueError(
            "Programme investments need leads.source and leads.created_at to tie spend to leads."
        )
    end = last_complete_month(as_of) - pd.DateOffset(months=maturity_months)
    start = end - pd.DateOffset(months=window_months - 1)
    cm = (
        month_start(times["inquiry"])
        if "inquiry" in times.columns
        else month_start(leads["created_at"])
    )
    cm = pd.Series(cm.to_numpy(), index=times.index)
    in_win = ((cm >= start) & (cm <= end)).to_numpy()
    src = pd.Series(leads[source].astype("string").to_numpy(), index=times.index).fillna(
        "(no source)"
    )
    t = times.loc[in_win]
    g = src[in_win]
    agg = {"leads": t.groupby(g.to_numpy()).size()}
    for s, name in (("mql", "mqls"), ("sql", "sqls"), ("won", "won_deals")):
        if f"reached_{s}" in t.columns:
            agg[name] = t[f"reached_{s}"].astype(float).groupby(g.to_numpy()).sum()
    agg["won_revenue"] = t["won_amount"].groupby(g.to_numpy()).sum()
    out = pd.DataFrame(agg)
    sm = month_start(spend["month"])
    sp = spend.loc[((sm >= start) & (sm <= end)).to_numpy()]
    by_channel = sp.groupby(sp["channel"].astype("string"))["amount"].sum().rename("spend")
    out = out.join(by_channel, how="outer")
    out = out.fillna({c: 0.0 for c in out.columns if c != "spend"})
    out["cost_per_lead"] = out["spend"] / out["leads"].where(out["leads"] > 0)
    for col, name in (
        ("mqls", "cost_per_mql"),
        ("sqls", "cost_per_sql"),
        ("won_deals", "cost_per_won"),
    ):
        if col in out.columns:
            out[name] = out["spend"] / out[col].where(out[col] > 0)
    out["revenue_per_spend"] = out["won_revenue"] / out["spend"].where(out["spend"] > 0)
    out.index.name = "channel"
    out = out.reset_index()
    out["channel"] = out["channel"].astype("string")
    out = out.sort_values("spend", ascending=False, na_position="last").reset_index(drop=True)
    out.attrs["window"] = (start, end)
    return out


def aligned_cac(economics: pd.DataFrame, result: ScenarioResult) -> float:
    """CAC if the aligned funnel's extra wins came at today's spend (NaN without spend)."""
    e = economics.set_index("metric")["value"]
    t = result.totals.set_index("scenario")
    cac = float(e.get("cac", np.nan))
    if not np.isfinite(cac) or t.loc["aligned", "wins"] <= 0:
        return float("nan")
    return cac * float(t.loc["baseline", "wins"] / t.loc["aligned", "wins"])
