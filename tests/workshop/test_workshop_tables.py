"""Tables the exercises display (``helpers/workshop/tables.py``)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import icp, workshop


def test_rule_segments_price_each_segment_in_leads(sample_data):
    inputs = icp.prepare_icp(
        leads=sample_data.leads,
        opportunities=sample_data.opportunities,
        accounts=sample_data.accounts,
    )
    model = icp.fit_icp(inputs)
    tables = icp.segment_tables(inputs)
    table = workshop.rule_segments(inputs, model, tables)
    multi = [c for c in model.conditions if len(c.segments) > 1]
    assert len(table) == sum(len(c.segments) for c in multi)
    assert table["win_rate"].is_monotonic_increasing
    assert (table["leads_in_icp_share"] <= table["leads_share"]).all()
    inside = icp.condition_mask(inputs.leads, model.conditions).mean()
    for cond in multi:  # the rule's segments of one condition share its leads
        mine = table[table["dimension"] == icp.DIMENSION_LABELS[cond.dimension]]
        assert mine["leads_in_icp_share"].sum() <= inside + 1e-9
    single = SimpleNamespace(conditions=[SimpleNamespace(dimension="x", segments=["a"])])
    with pytest.raises(ValueError, match="no condition with two segments"):
        workshop.rule_segments(inputs, single, tables)


def _fixture():
    frame = pd.DataFrame(
        {
            "icp_tier": ["A", "A", "B", "B", "C", "D", "A", "C"],
            "n_marketing": [3, 0, 2, 5, 4, 1, 2, 0],
        }
    )
    table = pd.DataFrame({"eligible": [True] * 7 + [False], "label": [1, 0, 1, 0, 0, 0, 1, 0]})
    return SimpleNamespace(frame=frame), SimpleNamespace(table=table)


def test_definition_options_and_the_best_one():
    features, labels = _fixture()
    options = workshop.mql_definition_options(
        features, labels, tiers=[["A"], ["A", "B"]], touches=[0, 2], min_lift=1.3, min_recall=0.9
    )
    assert options[["tiers", "min_touches"]].values.tolist() == [
        ["A", 0],
        ["A", 2],
        ["A, B", 0],
        ["A, B", 2],
    ]
    # A, B with 2 touches: rows 0, 2, 3, 6 -> 3 conversions of 4, every conversion caught
    row = options.iloc[3]
    assert row["lift"] == pytest.approx(0.75 / (3 / 7)) and row["recall"] == 1.0
    assert options["meets_both"].tolist() == [False, False, True, True]
    best = workshop.best_definition(options)
    assert (best["tiers"], best["min_touches"]) == ("A, B", 2)  # most recall, then lift
    with pytest.raises(ValueError, match="no candidate MQL definition meets both"):
        workshop.best_definition(options.assign(meets_both=False))


def test_agreed_rules_say_what_a_missing_rule_changes():
    found = workshop.agreed_rules({"rule": {"text": "Industry = 73"}}, 5, 24.0)
    assert found["value"].tolist() == ["Industry = 73", "5", "24 hours"]
    missing = workshop.agreed_rules(None, None, 48.0).set_index("rule")
    assert (missing["value"].iloc[:2] == "missing").all()
    assert "sales' side looks smaller" in missing["what it means"].iloc[1]


def test_split_tiers():
    assert workshop.split_tiers("A, B") == ["A", "B"] == workshop.split_tiers("A B")
    assert workshop.split_tiers(("A",)) == ["A"]
