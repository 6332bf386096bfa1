"""Charts of workshop 6, the weekly alignment meeting (the numbers: :mod:`.meeting_tables`).

Each function takes the table the matching function returns, draws on ``ax`` (or a new
figure), sets a title and axis labels with units, and returns the Axes. Marketing is blue and
sales orange (``helpers.core.style.PALETTE``); matplotlib is loaded only when a chart is drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.style import PALETTE, get_ax, money_formatter, percent_formatter

#: The colour of each agenda status.
STATUS_COLOURS = {
    "alert": PALETTE["bad"],
    "below normal": PALETTE["sales"],
    "at or above normal": PALETTE["good"],
    "not judged": PALETTE["neutral"],
    "no cohort yet": PALETTE["neutral"],
}


def plot_agenda(agenda: pd.DataFrame, ax=None):
    """Each step's latest judged week against its normal range; alerts in red.

    Parameters
    ----------
    agenda : DataFrame
        From :func:`helpers.workshop.alert_agenda`.
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    y = np.arange(len(agenda))[::-1]
    low = agenda["lower"].clip(lower=0)
    judged = agenda["normal"].notna() & agenda["lower"].notna()
    ax.hlines(y[judged], low[judged], agenda["normal"][judged], color=PALETTE["good"], lw=8,
              alpha=0.3, label="normal range (low end to usual rate)")
    for status, colour in STATUS_COLOURS.items():
        mine = (agenda["status"] == status).to_numpy()
        if mine.any():
            ax.scatter(agenda["rate"][mine], y[mine], s=70, color=colour, zorder=3,
                       label=f"this week: {status}")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{s} ({o})" for s, o in zip(agenda["step"], agenda["owner"])])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("Conversion of the weekly cohort judged this week (%)")
    when = agenda.attrs.get("week")
    ax.set_title(
        "This week's steps against their normal range"
        + (f" (week of {pd.Timestamp(when):%Y-%m-%d})" if when is not None else "")
    )
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return ax


def plot_channel_costs(channels: pd.DataFrame, ax=None, *, currency: str = "USD"):
    """Cost per lead against cost per won deal, one labelled point per channel (log scales).

    A channel with no won deal sits on the top edge, marked "no won deal".

    Parameters
    ----------
    channels : DataFrame
        From :func:`helpers.revenue.channel_investments`.
    ax : matplotlib Axes, optional
    currency : str
        The organization's currency, for the axis labels.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    t = channels[channels["cost_per_lead"].notna()]
    won = t["cost_per_won"]
    top = float(won.max()) * 2 if won.notna().any() else 1.0
    y = won.fillna(top)
    colours = [PALETTE["neutral"] if np.isnan(w) else PALETTE["marketing"] for w in won]
    ax.scatter(t["cost_per_lead"], y, s=50, color=colours, zorder=3)
    for (_, row), yy in zip(t.iterrows(), y):
        label = row["channel"] + (" (no won deal)" if np.isnan(row["cost_per_won"]) else "")
        ax.annotate(label, (row["cost_per_lead"], yy), xytext=(4, 3),
                    textcoords="offset points", fontsize=8)
    from matplotlib.ticker import LogLocator, NullFormatter

    money = money_formatter(currency)
    for axis, scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        scale("log")
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(money)
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"Cost per lead ({currency}, log scale)")
    ax.set_ylabel(f"Cost per won deal ({currency}, log scale)")
    ax.set_title("Programme investments: cheap leads are not cheap customers")
    return ax


def plot_sla_by_owner(sla_block: pd.DataFrame, ax=None, *, sla_hours: float | None = None):
    """Each owner's share of MQLs answered within the SLA, the team's share dashed.

    Parameters
    ----------
    sla_block : DataFrame
        The brief's SLA block (:func:`helpers.meeting.sla_block`): the team's row first
        (``"All owners"``), then each owner (hashed id).
    ax : matplotlib Axes, optional
    sla_hours : float, optional
        The agreed first-response time, for the axis label.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    team = sla_block.iloc[0]
    owners = sla_block.iloc[1:].dropna(subset=["within_sla"]).sort_values("within_sla")
    y = np.arange(len(owners))
    ax.barh(y, owners["within_sla"], color=PALETTE["sales"])
    for yy, (_, row) in zip(y, owners.iterrows()):
        ax.annotate(f"{row['within_sla']:.0%} of {int(row['mqls'])}", (row["within_sla"], yy),
                    xytext=(4, -3), textcoords="offset points", fontsize=8)
    ax.axvline(team["within_sla"], color=PALETTE["neutral"], ls="--", lw=1,
               label=f"team: {team['within_sla']:.0%}")
    ax.set_yticks(y)
    ax.set_yticklabels([str(i)[:8] for i in owners["owner_id"]])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, 1.1)
    within = f" within {sla_hours:g} h" if sla_hours is not None else " within the SLA"
    ax.set_xlabel(f"MQLs of the last four weeks answered{within} (%)")
    ax.set_ylabel("owner (hashed id)")
    ax.set_title("First response by owner, last four weeks")
    ax.legend(fontsize=8, loc="lower right")
    return ax
