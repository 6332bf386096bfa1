"""Workshop 6's views of the meeting kit (``helpers/workshop/meeting_tables.py``).

On two organizations: the generated meeting-week org, whose incident (an SDR leaving on
2024-12-09) is planted, and the sample, on a past week with an alert. Every figure equals
the kit's or the modules' own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import funnel, workshop

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("notebooks")]

#: The sample's MQL -> SAL alert: the cohort of 2024-07-01, judged in the next week's brief.
SAMPLE_ALERT_WEEK = "2024-07-08"


@pytest.fixture(scope="module")
def meeting_data():
    return workshop.meeting_org()


@pytest.fixture(scope="module")
def view(meeting_data):
    return workshop.meeting_view(meeting_data)


@pytest.fixture(scope="module")
def sample_view(sample_data):
    return workshop.meeting_view(sample_data, week=SAMPLE_ALERT_WEEK)


def test_the_planted_incident_is_the_first_alert(view):
    """The incident slowed the SDRs' answers: MQL -> SAL alerts, owned by the SDR manager."""
    top = workshop.first_alert(view.agenda)
    assert (top["step"], top["owner"]) == ("mql->sal", "SDR manager")
    # the dips inside their normal range are not alerts, however costly
    noise = view.agenda[view.agenda["status"] == "below normal"]
    assert len(noise) and not noise["alert"].any()
    assert (noise["rate"] >= noise["lower"]).all() and (noise["rate"] < noise["normal"]).all()


def _assert_agenda_is_the_kits(view):
    agenda, block = view.agenda, view.brief.conversion
    assert agenda["step"].tolist() == block["transition"].tolist()
    np.testing.assert_allclose(agenda["rate"], block["rate_k"])
    np.testing.assert_allclose(agenda["normal"], block["baseline"])
    assert agenda["alert"].tolist() == block["alert"].tolist()
    # revenue at risk is priced like module 2's leakage ranking
    j, conv = view.inputs.journeys(), view.inputs.conversion()
    deal = funnel.average_deal(j)
    down = funnel.leakage_ranking(conv, deal).set_index("transition")["downstream"]
    for _, row in agenda.dropna(subset=["normal"]).iterrows():
        short = max(0.0, row["normal"] - row["rate"]) * row["leads"]
        assert row["leads_short"] == pytest.approx(short)
        assert row["revenue_at_risk"] == pytest.approx(short * down[row["step"]] * deal)


def test_agenda_figures_are_the_briefs_on_two_orgs(view, sample_view):
    _assert_agenda_is_the_kits(view)
    _assert_agenda_is_the_kits(sample_view)
    top = workshop.first_alert(sample_view.agenda)
    assert top["step"] == "mql->sal"
    assert pd.Timestamp(top["cohort"]) == pd.Timestamp("2024-07-01")


def test_a_week_without_data_says_so(sample_data):
    empty = workshop.meeting_view(sample_data, week="2019-01-07")
    assert empty.agenda is None and "No lead reached any stage" in empty.skipped["agenda"]
    with pytest.raises(ValueError, match="No lead reached any stage"):
        empty.need("volume")
    quiet = workshop.meeting_view(sample_data, week="2024-12-16")
    if not quiet.agenda["alert"].any():
        with pytest.raises(ValueError, match="No step raised an alert in the week of 2024-12-16"):
            workshop.first_alert(quiet.agenda)
    check = workshop.Checks(sample_data, meeting_week="2019-01-07")
    result = check.meeting_first_alert("mql->sal", "SDR manager")
    assert result.status == "error" and "No lead reached any stage" in result.message


def test_sla_table_holds_the_kits_terms(view):
    table = workshop.sla_table(view.sla).set_index("term")
    m, s = view.sla["marketing"], view.sla["sales"]
    assert table.loc["MQLs a month (the plan's need)", "commitment"] == m["mqls"]["per_month"]
    fit = table.loc["share of MQLs in ICP tiers A/B, at least"]
    assert (fit["commitment"], fit["now"]) == (m["icp_fit"]["min_share"], m["icp_fit"]["now_share"])
    touches = table.loc["touches before closing a lead out, at least"]
    assert touches["commitment"] == s["min_touches"] == view.brief.parameters["plateau"]
    missing = workshop.sla_table({"not_agreed": {"touches": "No touches plateau."}})
    assert missing.iloc[0]["evidence"] == "No touches plateau."


def test_every_role_gets_its_own_handout(view):
    seen = {}
    for role in workshop.ROLES:
        handout = workshop.role_handout(view, role)
        assert len(handout) >= 2, role
        seen[role] = set(handout)
    assert "Programme investments by channel" in seen["head of marketing"]
    assert not seen["head of marketing"] & {"This week's steps"}
    assert any("by rep" in t for t in seen["SDR manager"])
    assert "The SLA to sign" in seen["CEO"]
    with pytest.raises(ValueError, match="not a role-play role"):
        workshop.role_handout(view, "intern")


def test_step_owners_follow_the_sla_split():
    assert workshop.step_owner("inquiry->mql") == "head of marketing"
    assert workshop.step_owner("mql->sal") == workshop.step_owner("sal->sql") == "SDR manager"
    assert workshop.step_owner("opportunity->won") == "head of sales"
    assert workshop.step_owner("mql->won") == "SDR manager"  # a collapsed funnel
