"""The learned score against the generator's oracle, on enough leads that the margin is not noise.

The generator knows each lead's exact probability of becoming an opportunity within the horizon
given what is known at the scoring moment (``lead_truths.csv: p_true``). On the same
out-of-time test leads, the best model must reach at least 95% of the oracle's ROC AUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from helpers import scoring as S
from helpers import synth
from helpers.data import load_org

N_LEADS = 50_000


def _oracle_check(org_dir):
    truths = yaml.safe_load((org_dir / "truths.yml").read_text(encoding="utf-8"))["scoring"]
    data = load_org(org_dir)
    labels = S.build_labels(
        data.leads,
        data.opportunities,
        horizon_days=truths["horizon_days"],
        score_after_days=truths["score_after_days"],
        activities=data.activities,
    )
    fs = S.build_features(
        data.leads,
        labels.table["scoring_moment"],
        accounts=data.accounts,
        activities=data.activities,
    )
    split = S.time_split(labels)
    leaks = S.find_leaks(fs, labels, split)
    fs = S.drop_leaks(fs, leaks)
    scorers = S.fit_scorers(fs, labels, split)
    p_true = (
        pd.read_csv(org_dir / "lead_truths.csv", dtype={"lead_id": str})
        .set_index("lead_id")["p_true"]
        .reindex(labels.table["lead_id"].iloc[scorers.test_rows].to_numpy())
        .to_numpy()
    )
    assert not np.isnan(p_true).any(), "every test lead has its oracle probability"
    oracle = roc_auc_score(scorers.y_test, p_true)
    best = float(scorers.metrics.set_index("scorer").loc[scorers.best, "roc_auc"])
    return truths, leaks, scorers, oracle, best


@pytest.mark.parametrize("scenario, seed", [("sample", 101), ("alt", 202)])
def test_best_model_reaches_95_percent_of_oracle_auc(tmp_path, scenario, seed):
    org = synth.write_org(
        synth.SCENARIOS[scenario].replace(n_leads=N_LEADS, seed=seed), tmp_path / scenario
    )
    truths, leaks, scorers, oracle, best = _oracle_check(org)
    n_test = len(scorers.test_rows)
    assert n_test > 8000, "enough test leads for the comparison to be more than noise"
    assert leaks.loc[leaks["leak"], "feature"].tolist() == [truths["leaky_column"]]
    assert best >= 0.95 * oracle, (
        f"best model ({scorers.best}) AUC {best:.3f} < 95% of the oracle's {oracle:.3f} "
        f"on {n_test:,} out-of-time test leads"
    )
    # the rule agreed before is beaten clearly, and the model is not suspiciously above the oracle
    assert best > float(scorers.metrics.set_index("scorer").loc["agreed rule", "roc_auc"]) + 0.05
    assert best <= oracle + 0.02, "a model far above the oracle would mean a leak got through"
