"""helpers.synth.expected: p_true is exact (what is known at scoring) and calibrated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def test_oracle_knows_exactly_the_marketing_touches_up_to_the_scoring_moment(sample):
    """Counting marketing activities up to created_at + score_after_days (in UTC, as after
    loading) gives the engagement p_true was computed from; nothing outcome-related before it."""
    tz = "America/New_York"
    utc = lambda s: s.dt.tz_localize(tz).dt.tz_convert("UTC")  # noqa: E731
    act = sample.activities[sample.activities["team"] == "marketing"]
    created = utc(sample.leads.set_index("lead_id")["created_at"])
    t = utc(act["occurred_at"])
    before = t.to_numpy() <= (created[act["lead_id"]] + pd.Timedelta(days=sample.S)).to_numpy()
    counted = act[before].groupby("lead_id").size().reindex(created.index, fill_value=0)
    planted = sample.lead_truths.set_index("lead_id")["marketing_touches_at_scoring"]
    young = sample.leads.set_index("lead_id")["created_at"] + pd.Timedelta(days=sample.S) >= sample.export
    assert (counted[~young] == planted[~young]).mean() > 0.999


def test_p_true_is_calibrated(big):
    raw, _ = big
    j = raw.journeys().merge(raw.lead_truths[["lead_id", "p_true"]], on="lead_id")
    scoring = j["created_at"] + pd.Timedelta(days=raw.S)
    j["label"] = j["opp_at"].notna() & (j["opp_at"] <= scoring + pd.Timedelta(days=raw.H))
    m = j[scoring + pd.Timedelta(days=raw.H) <= raw.export]
    assert m["label"].mean() == pytest.approx(m["p_true"].mean(), abs=0.01)
    pos = m[m["p_true"] > 0]
    dec = pd.qcut(pos["p_true"].rank(method="first"), 10, labels=False)
    g = pos.groupby(dec).agg(p=("p_true", "mean"), y=("label", "mean"), n=("label", "size"))
    se = np.sqrt(g["p"] * (1 - g["p"]) / g["n"])
    assert ((g["y"] - g["p"]).abs() <= 3 * se + 0.01).all(), g
    assert (m.loc[m["p_true"] == 0, "label"]).sum() == 0
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(m["label"], m["p_true"]) > 0.8
