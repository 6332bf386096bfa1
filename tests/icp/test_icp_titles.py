"""Job titles read as seniority and function (helpers/icp/titles.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import icp


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("Sr. Dir. IT", "Director", "IT"),
        ("CMO", "C-level", "marketing"),
        ("Head of Growth", "Director", "marketing"),
        ("VP, Sales Ops", "VP", "sales"),
        ("Chief Revenue Officer", "C-level", "sales"),
        ("Vice President of Finance", "VP", "finance"),
        ("SVP Human Resources", "VP", "HR"),
        ("President", "C-level", "other"),
        ("CEO & Co-Founder", "C-level", "other"),
        ("Marketing Operations Manager", "Manager", "marketing"),
        ("IT Operations Lead", "Manager", "IT"),
        ("Supply Chain Director", "Director", "operations"),
        ("Software Engineer", "Individual", "IT"),
        ("Account Executive", "Individual", "sales"),
        ("Senior Accountant", "Individual", "finance"),
        ("Talent Acquisition Partner", "Individual", "HR"),
        ("Office assistant", "Individual", "other"),
        ("  DIRECTOR OF MARKETING  ", "Director", "marketing"),
        ("Chief Information Officer", "C-level", "IT"),
        ("Senior Account Manager", "Individual", "sales"),
        ("Head of Procurement", "Director", "other"),
    ],
)
def test_title_normalisation_on_messy_titles(title, seniority, function):
    s = pd.Series([title], dtype="str")
    assert icp.normalise_seniority(s).iloc[0] == seniority
    assert icp.normalise_function(s).iloc[0] == function


def test_missing_titles_are_unknown_and_index_kept():
    s = pd.Series(["CMO", None, "", "Sr. Dir. IT"], index=[10, 11, 12, 13], dtype="str")
    sen = icp.normalise_seniority(s)
    assert list(sen.index) == [10, 11, 12, 13]
    assert sen.tolist() == ["C-level", "Unknown", "Unknown", "Director"]
    assert icp.normalise_function(s).tolist() == ["marketing", "Unknown", "Unknown", "IT"]


def test_generator_titles_are_read_as_planted():
    from helpers import synth  # the generator's title table is a first-party contract: no skip

    titles, off, cnt = synth._title_table()
    rows = [
        (t, s, f)
        for i, s in enumerate(synth.SENIORITIES)
        for j, f in enumerate(synth.FUNCTIONS)
        for t in titles[off[i, j] : off[i, j] + cnt[i, j]]
    ]
    d = pd.DataFrame(rows, columns=["title", "seniority", "function"])
    for variant in (d["title"], d["title"].str.lower(), d["title"].str.upper()):
        v = variant.astype("str")
        assert (icp.normalise_seniority(v) == d["seniority"]).all()
        assert (icp.normalise_function(v) == d["function"]).all()
