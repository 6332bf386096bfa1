"""The out-of-time split and the three scorers on the same later leads
(helpers/scoring/models.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scoring_fixtures import model_case

from helpers import scoring as S


def test_fit_scorers_out_of_time_compares_three_scorers_on_the_same_later_leads():
    leads, opps, fs, _ = model_case()
    lab = S.build_labels(leads, opps, horizon_days=30)
    split = S.time_split(lab, test_share=0.25)
    created = lab.table["created_at"]
    assert created.iloc[split.train].max() < split.cut <= created.iloc[split.test].min()
    sc = S.fit_scorers(fs, lab, split)
    assert sc.metrics["scorer"].tolist() == list(S.SCORER_NAMES)
    assert (sc.metrics["test_leads"] == len(split.test)).all()
    assert sc.metrics.set_index("scorer").loc[sc.best, "roc_auc"] > 0.7
    assert np.isnan(sc.metrics.set_index("scorer").loc["agreed rule", "brier"])
    t = S.score_test_leads(sc)
    assert len(t) == len(split.test) and t["score"].between(1, 99).all()


def test_fit_scorers_without_dates_uses_stratified_cross_validation():
    leads, _, fs, y = model_case()
    flag = leads.drop(columns="created_at").assign(converted=pd.array(y, "boolean"))
    lab = S.build_labels(flag)
    split = S.time_split(lab)
    assert split.kind == "stratified 5-fold" and split.cut is None
    sc = S.fit_scorers(fs, lab, split)
    assert sorted(sc.test_rows.tolist()) == list(
        range(len(y))
    )  # every lead scored once, out of fold
    assert sc.metrics.set_index("scorer").loc[sc.best, "roc_auc"] > 0.7


def test_validation_follows_the_lead_dates_not_the_label():
    leads, _, fs, y = model_case()
    # a conversion flag without conversion dates, but dated leads: out-of-time
    flag = leads.assign(converted=pd.array(y, "boolean"))
    lab = S.build_labels(flag)
    assert lab.mode == "flag"
    split = S.time_split(lab)
    assert split.kind == "out-of-time"
    assert "creation dates" in split.reason and "not dated" in split.reason
    created = lab.table["created_at"]
    assert created.iloc[split.train].max() < created.iloc[split.test].min()
    # a few undated leads only train
    some = flag.copy()
    some.loc[:49, "created_at"] = pd.NaT
    part = S.time_split(S.build_labels(some))
    assert part.kind == "out-of-time" and set(range(50)) <= set(part.train.tolist())
    assert "50 undated leads train only" in part.description
    # no dates at all: stratified, and the reason says so
    none = S.time_split(S.build_labels(flag.drop(columns="created_at")))
    assert none.kind.startswith("stratified") and "no creation dates" in none.reason
