"""helpers.runner.site: the report's index page, built from ``summary.json`` and the files
of the report folder only.

Unit tests use a hand-made report folder; the end-to-end test runs the curriculum on the
sample org with ``--html`` once and checks what people see: every module listed with its
status and figures as ``summary.json`` records them, both renderings of each module, no
code in the business reports, no machine path in any file, and the page in a real browser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from helpers import runner as run
from helpers.core import paths
from helpers.runner import site

SUMMARY = {
    "_run": {"org": "Acme <Corp>", "currency": "EUR", "data_from": "2023-01-02",
             "data_to": "2024-12-30", "notebooks": ["00_data_check", "01_define_icp",
                                                   "02_funnel_leakage", "03_revenue_growth"]},
    "00_data_check": {"rows": {"plan": 12, "leads": 1200, "opportunities": 80},
                      "issues": {"orphan_key": 3}, "issues_total": 3,
                      "modules_not_runnable": ["03_revenue"]},
    "01_icp": {"icp_rule": "Industry = Software", "icp_win_rate": 0.5246,
               "icp_win_rate_ci": [0.4016, 0.6447], "icp_outside_win_rate": 0.4238,
               "overall_win_rate": 0.4358, "icp_coverage_accounts": 0.12,
               "icp_revenue_share": 0.31, "skipped": ["6 outcomes have no account."]},
    "02_funnel": {"biggest_leak": {"stage": "sal->sql", "lost_leads": 1096,
                                   "lost_revenue": 20911723.0, "cause": "under-worked",
                                   "side": "sales"},
                  "speed_to_lead": {"within_24h": 0.6207, "never": 0.1429},
                  "touches_plateau": 6},
    "03_revenue": {"skipped": "The plan table is missing; map a revenue plan in org.yml."},
}


def report_folder(tmp_path: Path, summary: dict = SUMMARY) -> Path:
    folder = tmp_path / "acme"
    (folder / "figures").mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))
    for name in ("00_data_check", "01_define_icp", "02_funnel_leakage", "03_revenue_growth"):
        (folder / f"{name}.ipynb").write_text("{}")
    for name in ("01_define_icp.html", "01_define_icp.analyst.html", "icp.yml",
                 "lead_plan.csv", "figures/01_tiers.png", "figures/02_leakage.png",
                 "figures/02_waterfall.png"):
        (folder / name).write_text("x")
    (folder / "weekly_brief.html").write_text("<html><head><title>Weekly brief</title></head>")
    return folder


def test_index_page_gathers_each_module_status_and_headline(tmp_path):
    page = site.index_page(report_folder(tmp_path))
    assert (page.org, page.currency, page.data_from, page.data_to) == (
        "Acme <Corp>", "EUR", "2023-01-02", "2024-12-30"
    )
    by_key = {m.key: m for m in page.modules}
    assert list(by_key) == ["00_data_check", "01_define_icp", "02_funnel_leakage",
                            "03_revenue_growth", "04_mql_classifier"]
    assert [m.status for m in page.modules] == ["ok", "ok", "ok", "skipped", "not run"]
    assert by_key["00_data_check"].headline == [
        "Rows read: leads 1,200, opportunities 80, plan 12.",
        "3 data-quality problems reported (3 orphan key).",
        "The data cannot feed: Revenue growth from alignment.",
    ]
    assert by_key["01_define_icp"].headline == [
        "ICP: Industry = Software.",
        "Win rate 52% (95% interval 40%-64%) inside the ICP vs 42% outside it (overall 44%).",
        "The ICP holds 12% of accounts and brought 31% of won revenue.",
    ]
    assert by_key["01_define_icp"].notes == ["6 outcomes have no account."]
    assert by_key["02_funnel_leakage"].headline == [
        "Biggest leak: SAL → SQL (1,096 leads lost, about 20.9M EUR of revenue); "
        "main cause: under-worked leads, on the sales side.",
        "Sales answers 62% of MQLs within 24 h and never touches 14%.",
        "Conversion stops rising after 6 touches.",
    ]
    revenue = by_key["03_revenue_growth"]
    assert revenue.reason == SUMMARY["03_revenue"]["skipped"] and revenue.headline == []
    assert page.skipped == [revenue, by_key["04_mql_classifier"]]
    assert by_key["04_mql_classifier"].reason == "not run in this report"
    assert [(m.number, why) for m, why in page.left_out] == [
        ("03", SUMMARY["03_revenue"]["skipped"]), ("04", "not run in this report"),
        ("01", "6 outcomes have no account."),
    ]
    # links: both renderings when present, the notebook always; charts by module number
    assert [(x.href, x.label) for x in by_key["01_define_icp"].links] == [
        ("01_define_icp.html", "report"), ("01_define_icp.analyst.html", "with code"),
        ("01_define_icp.ipynb", "notebook"),
    ]
    assert [f.href for f in by_key["02_funnel_leakage"].figures] == [
        "figures/02_leakage.png", "figures/02_waterfall.png"
    ]
    assert [x.href for x in page.to_sign] == ["icp.yml"]
    assert [(x.href, x.label) for x in page.meeting] == [("weekly_brief.html", "Weekly brief")]
    assert [x.href for x in page.files] == ["lead_plan.csv", "summary.json"]


def test_revenue_and_mql_headlines():
    revenue = {"leads_needed_per_month": 245.9, "leads_needed_low": 207.2,
               "leads_needed_high": 295.3, "run_rate_top": 187.0, "top_stage": "inquiry",
               "p_run_rate_enough": 0.003,
               "scenario": {"uplift_pct": 0.256, "horizon_months": 24,
                            "uplift_revenue": 4208798.0}}
    assert site.HEADLINES["03"](revenue, "USD") == [
        "The revenue plan needs 246 (207-295) inquiry leads a month vs 187 arriving.",
        "Chance that today's run-rate is enough: 0.3%.",
        "An aligned funnel would bring 26% more won revenue over 24 months (4.2M USD).",
    ]
    mql = {"lift_top10": 4.04, "validation": "out-of-time", "scorer_used": "logistic regression",
           "threshold_points": 225, "expected_weekly_mqls": 13.2,
           "excluded_leaks": ["budget_confirmed"]}
    assert site.HEADLINES["04"](mql, "USD") == [
        "MQL score (logistic regression, out-of-time test): the top 10% of leads convert "
        "4.0 times as often as the average lead.",
        "MQL threshold: 225 points, about 13 MQLs a week.",
        "Left out as leaks: budget_confirmed.",
    ]
    thin = {"sufficiency": False, "sufficiency_message": "Too little history: 80 leads."}
    assert site.HEADLINES["04"](thin, "USD") == ["Too little history: 80 leads."]
    assert site.HEADLINES["01"]({"overall_win_rate": 0.5, "icp_rule": None}, "") == [
        "No ICP rule found; overall win rate 50%."
    ]


def test_funnel_headline_leads_with_the_recoverable_part_of_the_leak():
    """The front page names the leak the funnel module ranks first as its chart does: what is
    recoverable, then the raw loss beside it."""
    leak = {"stage": "sal->sql", "lost_leads": 1096, "lost_revenue": 20911723.0,
            "recoverable_leads": 276.0, "recoverable_revenue": 5258147.0,
            "cause": "under-worked", "side": "sales"}
    assert site.HEADLINES["02"]({"biggest_leak": leak}, "EUR")[0] == (
        "Leak to act on first: SAL → SQL, 276 leads (about 5.3M EUR) recoverable of 1,096 "
        "leads lost, about 20.9M EUR of revenue; main cause: under-worked leads, on the sales "
        "side."
    )
    nothing = {**leak, "recoverable_leads": 0.0, "recoverable_revenue": 0.0}
    assert site.HEADLINES["02"]({"biggest_leak": nothing}, "EUR")[0].startswith(
        "Biggest leak: SAL → SQL (1,096 leads lost"
    )


def test_headlines_say_what_the_export_cannot_tell():
    """Real exports without touches, ICP or levers (Maven CRM's shape)."""
    leak = {"stage": "opportunity->won", "lost_leads": 2878, "lost_revenue": 6794697.0,
            "cause": "not judged", "side": "unknown"}
    assert site.HEADLINES["02"]({"biggest_leak": leak, "speed_to_lead": None}, "USD") == [
        "Biggest leak: opportunity → won (2,878 leads lost, about 6.8M USD of revenue); its "
        "cause cannot be judged from this export (no sales touches recorded)."
    ]
    assert site.HEADLINES["01"](
        {"icp_rule": "No segment wins clearly above the others: no ICP rule.",
         "icp_win_rate": None, "overall_win_rate": 0.632}, "USD"
    ) == ["No segment wins clearly above the others: no ICP rule.", "Overall win rate 63%."]
    no_lever = {"levers": {}, "scenario": {"uplift_pct": 0.0, "horizon_months": 24}}
    assert site.HEADLINES["03"](no_lever, "USD") == [
        "No alignment lever could be measured in this export, so the aligned scenario equals "
        "today's funnel."
    ]
    assert site.HEADLINES["00"]({"issues_total": 0, "issues": {}}, "USD") == [
        "No data-quality problem reported."
    ]


def test_sections_the_data_check_skipped_are_listed_with_their_module(tmp_path):
    summary = dict(SUMMARY)
    summary["00_data_check"] = {
        **SUMMARY["00_data_check"],
        "sections_skipped": {"02_funnel.touches": "The touches curve is skipped: no touches.",
                             "01_icp.titles": "Job-title segments are skipped: no titles."},
    }
    page = site.index_page(report_folder(tmp_path, summary))
    by_key = {m.key: m for m in page.modules}
    assert by_key["01_define_icp"].notes == [
        "6 outcomes have no account.", "Job-title segments are skipped: no titles."
    ]
    assert by_key["02_funnel_leakage"].notes == ["The touches curve is skipped: no touches."]
    text = site.render_index(page)
    assert '<a href="#left-out">2 parts left out</a>' in text
    assert "The touches curve is skipped: no touches." in text


def test_modules_not_run_and_notebooks_outside_the_curriculum(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    summary = {"_run": {"org": "Tiny", "notebooks": ["00_first"]}, "00_first": {"x": 1},
               "01_second": {"window": 3}}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "01_second.ipynb").write_text("{}")
    page = site.index_page(folder)
    assert [(m.key, m.title, m.status, m.headline) for m in page.modules] == [
        ("00_first", "First", "ok", []), ("01_second", "Second", "ok", []),
    ]
    # a curriculum report after `run --only 02`: the other modules are listed as not run
    summary = {"_run": {"org": "Tiny", "notebooks": ["02_funnel_leakage"]},
               "02_funnel": {"touches_plateau": 7}}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "01_second.ipynb").unlink()
    page = site.index_page(folder)
    curriculum = sorted(p.stem for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [m.key for m in page.modules] == curriculum
    assert [m.status for m in page.modules if m.key != "02_funnel_leakage"] == ["not run"] * (
        len(curriculum) - 1
    )
    assert page.modules[curriculum.index("02_funnel_leakage")].headline == [
        "Conversion stops rising after 7 touches."
    ]


def test_rendered_index_escapes_and_links(tmp_path):
    folder = report_folder(tmp_path)
    path = site.write_index(folder)
    text = path.read_text()
    assert "<h1>Acme &lt;Corp&gt;</h1>" in text
    assert "data from 2023-01-02 to 2024-12-30" in text
    for module in ("00_data_check", "01_define_icp", "02_funnel_leakage", "03_revenue_growth"):
        assert f'data-module="{module}"' in text
    assert 'data-status="skipped"' in text and SUMMARY["03_revenue"]["skipped"] in text
    assert "SAL → SQL (1,096 leads lost, about 20.9M EUR of revenue)" in text
    assert '<a href="icp.yml">icp.yml</a>' in text
    assert '<a href="weekly_brief.html">weekly_brief.html</a>' in text
    assert '<img src="figures/02_leakage.png"' in text
    # every link is relative to the folder and points at a file that exists (or this page)
    for href in re.findall(r'(?:href|src)="([^"]+)"', text):
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in text, href
            continue
        assert not href.startswith(("/", "file:")) and (folder / href).is_file(), href


# --------------------------------------------------------------------------- end to end


def machine_paths(folder: Path, org_dir: Path) -> dict[str, list[str]]:
    """Absolute paths of this machine found in the report's files (zip members included)."""
    needles = {str(paths.REPO_ROOT), str(folder.parent), str(org_dir.resolve()),
               str(Path.home()), tempfile.gettempdir() + os.sep}
    needles = {n.encode() for n in needles if len(n) > 1}
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        blobs = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                blobs += [zf.read(name) for name in zf.namelist()]
        hits = sorted({n.decode() for n in needles for b in blobs if n in b})
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


@pytest.fixture(scope="module")
def sample_html_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "sample"
    result = run.run_org(paths.SAMPLE_ORG, out=out, html=True, echo=lambda _: None,
                         progress_bar=False)
    assert result.ok, result.message
    return out


@pytest.mark.notebook
def test_a_report_holds_no_machine_path(sample_html_run):
    assert machine_paths(sample_html_run, paths.SAMPLE_ORG) == {}
    executed = (sample_html_run / "02_funnel_leakage.ipynb").read_text()
    assert 'org_dir = \\"datasets/sample\\"' in executed


@pytest.mark.notebook
def test_every_module_has_a_business_report_without_code(sample_html_run):
    summary = json.loads((sample_html_run / "summary.json").read_text())
    for key in summary["_run"]["notebooks"]:
        business = (sample_html_run / f"{key}.html").read_text()
        analyst = (sample_html_run / f"{key}.analyst.html").read_text()
        assert 'class="jp-CodeMirrorEditor' not in business, key
        assert "load_for_notebook" not in business and "report.record" not in business
        assert 'class="jp-CodeMirrorEditor' in analyst and "load_for_notebook" in analyst
        assert "data:image/png;base64" in business or key == "00_data_check"


@pytest.mark.notebook
def test_index_lists_every_module_as_summary_json_records_it(sample_html_run):
    summary = json.loads((sample_html_run / "summary.json").read_text())
    text = (sample_html_run / "index.html").read_text()
    run_entry = summary["_run"]
    assert f"data from {run_entry['data_from']} to {run_entry['data_to']}" in text
    for key in run_entry["notebooks"]:
        assert f'data-module="{key}" data-status="ok"' in text
        assert f'href="{key}.html"' in text and f'href="{key}.analyst.html"' in text
    icp, funnel = summary["01_icp"], summary["02_funnel"]
    rev, mql = summary["03_revenue"], summary["04_mql"]
    leak = funnel["biggest_leak"]
    assert leak["recoverable_leads"] > 0  # the sample's headline leak has a recoverable part
    expected = [
        f"Leak to act on first: SAL → SQL, {leak['recoverable_leads']:,.0f} leads",
        "recoverable of",
        f"ICP: {icp['icp_rule']}.",
        f"Win rate {icp['icp_win_rate']:.0%} (95% interval {icp['icp_win_rate_ci'][0]:.0%}-"
        f"{icp['icp_win_rate_ci'][1]:.0%}) inside the ICP vs "
        f"{icp['icp_outside_win_rate']:.0%} outside it",
        f"{leak['lost_leads']:,} leads lost",
        f"main cause: {leak['cause']} leads, on the {leak['side']} side",
        f"needs {rev['leads_needed_per_month']:,.0f} ({rev['leads_needed_low']:,.0f}-"
        f"{rev['leads_needed_high']:,.0f}) inquiry leads a month vs "
        f"{rev['run_rate_top']:,.0f} arriving",
        f"convert {mql['lift_top10']:.1f} times as often",
        f"MQL threshold: {mql['threshold_points']} points",
    ]
    for figure in expected:
        assert site.html.escape(figure, quote=False) in text, figure
    figures = sorted(p.name for p in (sample_html_run / "figures").glob("*.png"))
    assert len(figures) >= 30
    for name in figures:
        assert f'<img src="figures/{name}"' in text, name
    for artifact in ("icp.yml", "mql_definition.yml"):
        assert f'<a href="{artifact}">{artifact}</a>' in text


@pytest.mark.notebook
@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_index_renders_in_a_real_browser(sample_html_run, tmp_path):
    """Headless Chromium draws the page: a full-width screenshot that is not blank."""
    from PIL import Image

    shot = tmp_path / "index.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1280,1600",
         (sample_html_run / "index.html").as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 1600)
    shades = sum(1 for n in image.resize((64, 80)).histogram() if n)
    assert shades > 20  # text and thumbnails, not a blank page
