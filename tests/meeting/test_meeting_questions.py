"""The rules behind the brief's three questions, on hand-made blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.meeting import questions as q
from helpers.meeting.brief import Brief


def _brief(**blocks) -> Brief:
    b = Brief("Acme", "EUR", pd.Timestamp("2024-06-03"), pd.Timestamp("2024-06-12"))
    b.parameters = {"sla_hours": 24.0, "plateau": 6}
    for name, value in blocks.items():
        setattr(b, name, value)
    return b


def test_an_alert_names_the_cohort_and_the_side():
    conv = pd.DataFrame(
        {
            "transition": ["inquiry->mql", "mql->sal"],
            "k_days": [6.0, 4.0],
            "cohort": pd.to_datetime(["2024-05-27", "2024-05-27"]),
            "rate_k": [0.30, 0.62],
            "baseline": [0.43, 0.86],
            "lower": [0.31, 0.7],
            "alert": [True, True],
        }
    )
    got = q.alert_questions(_brief(conversion=conv))
    assert got[0].startswith("inquiry->mql: the leads of the week of 2024-05-27 converted 30%")
    assert "marketing side" in got[0] and "sales side" in got[1]


def test_volume_asks_only_below_the_plans_interval():
    vol = pd.DataFrame(
        {
            "stage": ["inquiry", "mql"],
            "recent_weekly": [40.0, 22.0],
            "plan_weekly": [57.0, 23.0],
            "plan_low": [48.0, 19.0],
            "plan_high": [68.0, 27.0],
        }
    )
    vol["short"] = vol["plan_weekly"] - vol["recent_weekly"]
    got = q.volume_questions(_brief(volume=vol))
    assert len(got) == 1 and got[0].startswith("Inquiries averaged 40 a week")
    assert "gap of 17 a week" in got[0]


def test_sla_names_an_owner_only_far_below_the_team():
    def sla(worst):
        return pd.DataFrame(
            {
                "owner_id": ["All owners", "abcdef0123456789", "ffff000011112222"],
                "mqls": [40, 20, 20],
                "within_sla": [0.85, worst, 0.9],
                "closed_out": [30, 15, 15],
                "reached_plateau": [0.9, 0.9, 0.9],
            }
        )

    assert q.sla_questions(_brief(sla=sla(0.80))) == []  # team above 80%, owner 5 points below
    got = q.sla_questions(_brief(sla=sla(0.60)))
    assert len(got) == 1 and "owner abcdef01 answered 60% of 20" in got[0]


def test_touches_question_below_the_floor():
    sla = pd.DataFrame(
        {
            "owner_id": ["All owners"],
            "mqls": [40],
            "within_sla": [0.95],
            "closed_out": [30],
            "reached_plateau": [0.5],
        }
    )
    got = q.sla_questions(_brief(sla=sla))
    assert got == [
        "Only 50% of the 30 MQLs closed out in the last four weeks got the 6 touches after which "
        "more touches stop paying. Who decides to close a lead, and on what evidence?"
    ]


def test_channel_cheap_per_lead_but_dear_per_won_deal():
    inv = pd.DataFrame(
        {
            "channel": ["Paid Social", "Organic"],
            "cost_per_lead": [19.0, 25.0],
            "cost_per_won": [2031.0, 254.0],
        }
    )
    got = q.channel_questions(_brief(investments=inv))
    assert got[0].startswith("Paid Social is the cheapest channel per lead (19 EUR)")
    assert "2,031 EUR per won deal" in got[0] and "254 EUR for Organic" in got[0]
    same = inv.assign(cost_per_won=[100.0, 254.0])
    assert q.channel_questions(_brief(investments=same)) == []
    none_won = inv.assign(cost_per_won=[np.nan, 254.0])
    assert "won no deal in the window" in q.channel_questions(_brief(investments=none_won))[0]
