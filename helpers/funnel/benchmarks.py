"""External benchmark ranges and published claims, kept apart from the org's own numbers.

Both are graded: the ranges come from other companies and other stage definitions; the
claims are tested on the org's data, not repeated as fact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: External benchmark ranges for stage-to-stage conversion, clearly external: they come
#: from other companies, were measured with other stage definitions, and are graded.
BENCHMARKS = pd.DataFrame(
    [
        ("inquiry->mql", 0.10, 0.25, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("mql->sal", 0.40, 0.60, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("sal->sql", 0.50, 0.70, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("mql->sql", 0.13, 0.50, "Vendor blog compilations citing HubSpot / First Page Sage (ranges disagree)", "secondary, indicative"),
        ("sql->opportunity", 0.50, 0.75, "Vendor blog compilations citing HubSpot / First Page Sage", "secondary, indicative"),
        ("opportunity->won", 0.20, 0.30, "Vendor blog compilations (mid-market B2B; enterprise lower)", "secondary, indicative"),
    ],
    columns=["transition", "low", "high", "source", "grade"],
)

#: Published claims this module tests on the org's own data (graded, not asserted as fact).
CLAIMS = pd.DataFrame(
    [
        (
            "speed_to_lead",
            "Firms that tried to contact a web lead within an hour were ~7x as likely to qualify it "
            "as those an hour later, and >60x as likely as those waiting 24h or more",
            "Oldroyd, McElheran & Elkington, 'The Short Life of Online Sales Leads', HBR, March 2011 "
            "(1.25M leads at 29 B2C and 13 B2B firms; one author ran a lead-response vendor)",
            "primary study summarised in a practitioner journal; qualification = a conversation, "
            "not revenue; indicative",
        ),
        (
            "speed_to_lead_audit",
            "Of 2,241 US firms sent a web lead, 37% responded within 1h, 16% in 1-24h, 24% after "
            "24h and 23% never",
            "Same HBR article (audit of test leads)",
            "primary audit summarised in a practitioner journal; indicative",
        ),
        (
            "buyer_journey",
            "Buyers are 60-70% through their purchase journey before they contact sales",
            "The seed article citing CEB / Google (2012 white paper; CEB's own headline figure "
            "was 57%, from a buyer survey)",
            "secondary, indicative: self-reported progress, not CRM data",
        ),
        (
            "touches",
            "Sales must contact a lead 6 or 7 times to engage it",
            "The seed article (practitioner opinion, no study cited)",
            "opinion, tested here, not repeated",
        ),
    ],
    columns=["claim", "statement", "source", "grade"],
)


# --------------------------------------------------------------------------- statistics


def benchmark_comparison(conv: pd.DataFrame, benchmarks: pd.DataFrame = BENCHMARKS) -> pd.DataFrame:
    """The org's censored rates beside the external ranges (labelled external, graded)."""
    b = benchmarks.rename(columns={"low": "external_low", "high": "external_high"})
    out = conv[["transition", "rate"]].merge(b, on="transition", how="left")
    out["position"] = np.select(
        [out["external_low"].isna(), out["rate"] < out["external_low"], out["rate"] > out["external_high"]],
        ["no external range", "below range", "above range"],
        "within range",
    )
    return out
