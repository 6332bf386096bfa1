"""helpers/data/derived.py: per-lead derivations computed once, stored with the tables, reused
only while their parameters and the tables' inputs match."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import funnel
from helpers import revenue as rv
from helpers.data import derived, read_tables, write_tables
from helpers.funnel import org as funnel_org
from helpers.revenue import funnel_model


@pytest.fixture(scope="module")
def run_dir(sample_data, tmp_path_factory):
    """The sample's validated tables with the derived tables stored beside them."""
    out = tmp_path_factory.mktemp("derived_run")
    write_tables(sample_data, out)
    stored = derived.derive_tables(out, {"target_stage": "auto"})
    assert stored == {"journeys": 4859, "revenue_times": 5000}
    return out


@pytest.fixture
def run_copy(run_dir, tmp_path):
    shutil.copytree(run_dir, tmp_path / "run")
    return tmp_path / "run"


def _plain(data):
    """The same tables without a run folder: every consumer computes for itself."""
    names = ("config", "accounts", "leads", "activities", "opportunities", "spend", "plan")
    return SimpleNamespace(
        **{n: getattr(data, n) for n in names},
        date_only=data.date_only,
        is_date_only=data.is_date_only,
        has=data.has,
    )


def _same_journeys(a, b):
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.contract, b.contract, check_exact=True)
    for attr in (
        "stages",
        "export_date",
        "recycled_dropped",
        "recording_start",
        "date_only",
        "collapsed",
    ):
        assert getattr(a, attr) == getattr(b, attr), attr


def test_derived_tables_are_listed_in_the_manifest_with_params_and_input_hashes(
    run_dir, sample_data
):
    manifest = json.loads((run_dir / "tables" / "manifest.json").read_text())
    entry = manifest["derived"]["journeys"]
    assert entry["params"] == {"start": None, "target": None}
    assert entry["inputs"] == manifest["inputs"] and entry["rows"] == 4859
    assert entry["meta"]["stages"] == list(sample_data.config.stages)
    assert set(manifest["derived"]["revenue_times"]["files"]) == {"table", "work"}
    for e in manifest["derived"].values():
        assert all((run_dir / "tables" / f).is_file() for f in e["files"].values())


def test_stored_journeys_are_reused_and_identical(run_dir, monkeypatch):
    fresh = funnel_org.compute_from_org(_plain(read_tables(run_dir)))
    monkeypatch.setattr(funnel_org, "compute_from_org", lambda *a, **k: pytest.fail("recomputed"))
    data = read_tables(run_dir)
    j = funnel.from_org(data)
    _same_journeys(j, fresh)
    assert "activities" in data.pending  # the stored journeys need no activity log


def test_other_parameters_recompute_the_journeys(run_dir, monkeypatch):
    data = read_tables(run_dir)
    assert derived.read_derived(data, "journeys", {"start": "sql", "target": "won"}) is None
    expected = funnel_org.compute_from_org(_plain(data), start="sql", target="won")
    calls, real = [], funnel_org.compute_from_org
    monkeypatch.setattr(
        funnel_org, "compute_from_org", lambda *a, **k: calls.append(k) or real(*a, **k)
    )
    j = funnel.from_org(data, start="sql", target="won")  # response from the SQL date
    assert calls == [{"start": "sql", "target": "won"}]
    _same_journeys(j, expected)
    stored = funnel.from_org(data)
    assert len(calls) == 1
    assert not j.table["response_hours"].equals(stored.table["response_hours"])


def test_stored_revenue_tables_give_the_same_model_and_levers(run_dir, monkeypatch):
    plain = _plain(read_tables(run_dir))
    data = read_tables(run_dir)
    m0, _ = rv.try_build_funnel(plain)
    l0 = rv.alignment_levers(m0, plain.leads, plain.activities, n_draws=300)
    monkeypatch.setattr(funnel_model, "stage_times", lambda *a, **k: pytest.fail("recomputed"))
    m1, _ = rv.try_build_funnel(data)
    assert m1.work is not None and m0.work is None
    for attr in ("times", "rates", "counts"):
        pd.testing.assert_frame_equal(getattr(m0, attr), getattr(m1, attr), check_exact=True)
    l1 = rv.alignment_levers(m1, data, n_draws=300)  # the org's tables: no activity read
    assert l1.notes == l0.notes and repr(l1.levers) == repr(l0.levers)
    assert l1.combined.multiplier == l0.combined.multiplier > 1
    assert "activities" in data.pending
    l2 = rv.alignment_levers(m0, plain, n_draws=300)  # nothing stored: reads the activities
    assert l2.notes == l0.notes and repr(l2.levers) == repr(l0.levers)


def test_deal_size_parameter_ignores_the_stored_won_amounts(run_dir):
    data = read_tables(run_dir)
    data.opportunities = data.opportunities.drop(columns=["amount"])
    model, why = rv.try_build_funnel(data, deal_size_value=1000.0)
    assert why == "" and model.work is None
    assert set(model.times["won_amount"].unique()) <= {0.0, 1000.0, 2000.0, 3000.0}


def test_new_tables_make_the_derived_ones_stale(run_copy, sample_data):
    assert derived.derived_entry(run_copy, "journeys", {"start": None, "target": None})
    write_tables(sample_data, run_copy)  # a new load: derived tables are gone
    assert derived.derived_entry(run_copy, "journeys", {"start": None, "target": None}) is None
    assert not list((run_copy / "tables").glob("derived_*"))


def test_changed_inputs_or_code_make_the_derived_ones_stale(run_copy):
    path = run_copy / "tables" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["inputs"]["leads.csv"] = "0" * 64  # the tables now come from another export
    path.write_text(json.dumps(manifest))
    assert derived.read_derived(run_copy, "journeys", {"start": None, "target": None}) is None
    data = read_tables(run_copy)
    _same_journeys(funnel.from_org(data), funnel_org.compute_from_org(_plain(data)))
    manifest["inputs"] = manifest["derived"]["journeys"]["inputs"]
    manifest["derived"]["journeys"]["version"] = derived.DERIVED_VERSION - 1
    path.write_text(json.dumps(manifest))
    assert derived.read_derived(run_copy, "journeys", {"start": None, "target": None}) is None
    assert derived.read_derived(run_copy, "revenue_times") is not None


def test_an_export_the_funnel_cannot_use_stores_nothing(run_copy):
    data = read_tables(run_copy)
    data.leads = data.leads.iloc[:0]
    assert funnel_org.store_journeys(data, run_copy) == {}
    with pytest.raises(ValueError, match="leads table is empty"):
        funnel.from_org(SimpleNamespace(leads=data.leads, config=data.config))


def test_write_derived_needs_validated_tables(tmp_path):
    with pytest.raises(ValueError, match="no validated tables"):
        derived.write_derived(tmp_path, "x", {"table": pd.DataFrame({"a": [1]})})
    assert derived.read_derived(None, "x") is None and derived.read_derived(object(), "x") is None


def test_text_index_round_trips(run_copy):
    df = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["a", "b"], dtype="string", name="id"))
    derived.write_derived(run_copy, "x", {"table": df}, params={"k": 1})
    frames, meta = derived.read_derived(run_copy, "x", {"k": 1})
    pd.testing.assert_frame_equal(frames["table"], df, check_exact=True)
    assert derived.read_derived(run_copy, "x", {"k": 2}) is None
    assert derived.read_derived(run_copy, "journeys", {"start": None, "target": None})  # kept


def test_a_failing_derivation_never_fails_the_run(run_copy, sample_data, monkeypatch):
    write_tables(sample_data, run_copy)
    monkeypatch.setattr(funnel_org, "store_journeys", lambda *a, **k: 1 / 0)
    assert derived.derive_tables(run_copy, data=sample_data) == {"revenue_times": 5000}
    data = read_tables(run_copy)
    assert derived.read_derived(data, "journeys", {"start": None, "target": None}) is None
    assert funnel.from_org(data).table.shape[0] == 4859  # the consumer computes it itself


def test_tables_changed_by_hand_are_not_answered_from_stored_derivations(run_dir):
    """A notebook (or a test) that removes or filters a table after reading it gets results
    about its own tables, not what was derived from the stored ones."""
    data = read_tables(run_dir)
    assert derived.read_derived(data, "journeys", {"start": None, "target": None}) is not None
    data.activities = None  # e.g. "what if we had no activity log?"
    assert derived.read_derived(data, "journeys", {"start": None, "target": None}) is None
    assert not funnel.has_touch_data(funnel.from_org(data))  # computed without touches
    data = read_tables(run_dir)
    data.leads = data.leads.head(100)
    assert derived.read_derived(data, "revenue_times", {}) is None
