"""HTML pages of the kit: formatting, content, and the print layout (one A4 / Letter page for
the brief and the sign-off sheet, checked by printing with headless Chromium when present)."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from helpers import meeting
from helpers.meeting import render


def test_number_formats():
    assert render.fmt_num(1234.567) == "1,235" and render.fmt_num(1234.567, 1) == "1,234.6"
    assert render.fmt_pct(0.7304) == "73%" and render.fmt_pct(0.7304, 1) == "73.0%"
    assert render.fmt_num(np.nan) == render.fmt_pct(None) == render.fmt_day(pd.NaT) == "-"
    assert render.fmt_day(pd.Timestamp("2024-12-23 10:00")) == "2024-12-23"
    assert render.fmt_month(pd.Timestamp("2024-08-01")) == "2024-08"


def test_unknown_page_size_is_refused(sample_inputs):
    sheet = meeting.signoff_sheet(None, None, None, org="Acme")
    with pytest.raises(ValueError, match="choose one of A4, Letter"):
        meeting.render_signoff(sheet, page_size="A5")


def test_brief_page_shows_the_blocks_figures(report_inputs):
    brief = meeting.weekly_brief(report_inputs)
    html = meeting.render_brief(brief)
    assert f"Week {brief.label}" in html
    assert html.count("data:image/png;base64,") == 1
    top = brief.volume.iloc[0]
    assert re.search(rf">{int(top.this_week)}</td><td>{top.recent_weekly:.1f}</td>", html)
    team = brief.sla.iloc[0]
    assert f"{100 * team.within_sla:.0f}%" in html
    owners = brief.sla.iloc[1:]
    for owner in owners["owner_id"].head(meeting.brief.MAX_OWNERS):
        assert f">{owner[:8]}<" in html and owner not in html  # hashed ids, shortened
    for q in brief.questions:
        assert q.split(":")[0].replace("'", "&#39;") in html


def test_qbr_page_has_every_section(sample_inputs):
    html = meeting.render_qbr(meeting.quarterly_review(sample_inputs))
    for title in (
        "Arrivals by quarter",
        "Funnel by creation quarter",
        "Is the ICP still right?",
        "Is the MQL definition still right?",
        "The plan gap",
        "The levers' value",
        "Decisions of the quarter",
    ):
        assert title in html.replace("&#39;", "'")


def _printed_pages(html: str, size: str, tmp_path) -> int:
    chromium = next(
        (c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None
    )
    if chromium is None or shutil.which("pdfinfo") is None:
        pytest.skip("headless Chromium and pdfinfo are needed to check the print layout")
    page = tmp_path / f"page_{size}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / f"page_{size}.pdf"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.parametrize(
    ("org", "size"), [("sample", "Letter"), ("sample", "A4"), ("alt", "Letter")]
)
def test_brief_and_sheet_print_on_one_page(org, size, request, tmp_path):
    """Letter is the shorter page and A4 the narrower: the sample is printed on both, the alt
    org (other owners, channels and questions) on Letter."""
    inputs = request.getfixturevalue(f"{org}_inputs")
    brief = meeting.render_brief(meeting.weekly_brief(inputs), page_size=size)
    assert _printed_pages(brief, size, tmp_path) == 1
    sheet = meeting.render_signoff(meeting.signoff_from_report(inputs.report_dir), page_size=size)
    assert _printed_pages(sheet, size, tmp_path) == 1


def test_printed_channels_keep_the_cheapest_ones():
    ch = pd.DataFrame(
        {
            "channel": list("ABCDE"),
            "spend": [50.0, 40, 30, 20, 10],
            "cheapest_lead": [False, False, False, False, True],
            "cheapest_won": [False, False, True, False, False],
        }
    )
    shown = render._shown_channels(ch, 3)
    assert shown["channel"].tolist() == ["A", "C", "E"]  # spend order, the cheapest kept
    assert render._shown_channels(ch, 5) is ch
