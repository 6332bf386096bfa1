"""HTML pages of the meeting kit, with print styles (Jinja2 templates in ``templates/``).

The brief and the sign-off sheet are laid out to print on one page, A4 or US Letter (the
print area both share: 190 x 259 mm inside 10 mm margins); the QBR pack prints one
section per block. Every page is one self-contained HTML file (styles and the chart
inline), so it can be mailed or printed to PDF from any browser. Text from the data is
escaped.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from helpers.revenue.common import STAGE_LABELS

TEMPLATES = Path(__file__).parent / "templates"
#: Paper sizes a page can be forced to (default: the printer's own paper).
PAGE_SIZES = ("A4", "Letter")


def _page(page_size: str | None) -> str | None:
    if page_size is not None and page_size not in PAGE_SIZES:
        raise ValueError(f"page_size {page_size!r}: choose one of {', '.join(PAGE_SIZES)}.")
    return page_size


def _missing(x) -> bool:
    if x is None or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x, nd: int = 0) -> str:
    """``1,234`` (``nd`` decimals); a dash for a missing value."""
    if _missing(x):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{float(x):,.{nd}f}"


def fmt_pct(x, nd: int = 0) -> str:
    """``73%`` for 0.73; a dash for a missing value."""
    return "-" if _missing(x) else f"{100 * float(x):.{nd}f}%"


def fmt_day(x) -> str:
    """``2024-12-23``; a dash for a missing date."""
    return "-" if _missing(x) else f"{pd.Timestamp(x):%Y-%m-%d}"


def fmt_month(x) -> str:
    """``2024-08``; a dash for a missing date."""
    return "-" if _missing(x) else f"{pd.Timestamp(x):%Y-%m}"


def environment():
    """The Jinja2 environment: the kit's templates, autoescaped, with its number filters."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_num,
        pct=fmt_pct,
        day=fmt_day,
        month=fmt_month,
        stage=lambda s: STAGE_LABELS.get(s, s),
        short=lambda s: str(s)[:8],
    )
    return env


def records(df: pd.DataFrame | None) -> list[dict]:
    """A table's rows as dicts (empty for None), for the templates."""
    return [] if df is None else df.to_dict("records")


def chart_uri(ax) -> str:
    """The Axes' figure as an inline PNG (``data:`` URI); the figure is closed."""
    import base64
    import io

    import matplotlib.pyplot as plt

    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=160, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _shown_channels(channels: pd.DataFrame | None, limit: int) -> pd.DataFrame | None:
    """The channels printed: the largest by spend, always with the cheapest per lead and per
    won deal (the question about them quotes both), in spend order."""
    if channels is None or len(channels) <= limit:
        return channels
    flagged = channels["cheapest_lead"] | channels["cheapest_won"]
    rest = channels[~flagged].head(max(0, limit - int(flagged.sum())))
    return channels.loc[channels.index.isin(rest.index) | flagged.to_numpy()]


def _brief_chart(brief) -> str:
    """The weekly volume chart of a brief as a data URI (empty without a trend)."""
    if brief.trend is None or brief.trend.empty:
        return ""
    from helpers.core.style import get_ax
    from helpers.meeting.plots import plot_weekly_volume

    ax = plot_weekly_volume(brief.trend, brief.volume, ax=get_ax(figsize=(5.2, 2.3)))
    ax.title.set_fontsize(9)
    ax.xaxis.label.set_fontsize(8)
    ax.yaxis.label.set_fontsize(8)
    return chart_uri(ax)


def render_brief(brief, *, chart: bool = True, page_size: str | None = None) -> str:
    """The weekly brief as one printable HTML page.

    Parameters
    ----------
    brief : Brief
        :func:`helpers.meeting.weekly_brief` output.
    chart : bool
        Draw the weekly arrivals chart (matplotlib).
    page_size : str, optional
        CSS page size to force (``"A4"``, ``"Letter"``); default the printer's paper.
    """
    from helpers.meeting.brief import MAX_CHANNELS, MAX_OWNERS

    owners = brief.sla.iloc[1:] if brief.sla is not None else None

    return (
        environment()
        .get_template("brief.html.j2")
        .render(
            b=brief,
            volume=records(brief.volume),
            conversion=records(brief.conversion),
            team=records(brief.sla.iloc[:1]) if brief.sla is not None else [],
            owners=records(owners.head(MAX_OWNERS)) if owners is not None else [],
            more_owners=max(0, len(owners) - MAX_OWNERS) if owners is not None else 0,
            investments=records(_shown_channels(brief.investments, MAX_CHANNELS)),
            more_channels=max(0, len(records(brief.investments)) - MAX_CHANNELS),
            window=(
                brief.investments.attrs.get("window") if brief.investments is not None else None
            ),
            chart=_brief_chart(brief) if chart else "",
            page_size=_page(page_size),
        )
    )


def _qbr_chart(review) -> str:
    if review.funnel is None or not [c for c in review.funnel.columns if "->" in c]:
        return ""
    from helpers.core.style import get_ax
    from helpers.meeting.plots import plot_quarter_funnel

    return chart_uri(plot_quarter_funnel(review.funnel, ax=get_ax(figsize=(7.0, 2.6))))


def render_qbr(review, *, chart: bool = True, page_size: str | None = None) -> str:
    """The quarterly business review pack as one printable HTML document (a section per
    block; ``page_size`` as in :func:`render_brief`)."""
    transitions = (
        [c for c in review.funnel.columns if "->" in c] if review.funnel is not None else []
    )
    tiers = review.tiers
    tier_table = (
        tiers.pivot(index="tier", columns="role", values="win_rate") if tiers is not None else None
    )
    tier_n = (
        tiers.pivot(index="tier", columns="role", values="opportunities")
        if tiers is not None
        else None
    )
    return (
        environment()
        .get_template("qbr.html.j2")
        .render(
            r=review,
            roles=list(review.quarters) + (["all time"] if tiers is not None else []),
            arrivals=records(review.arrivals),
            funnel=records(review.funnel),
            transitions=transitions,
            tier_rows=[]
            if tier_table is None
            else [
                {"tier": t, "rates": tier_table.loc[t].to_dict(), "n": tier_n.loc[t].to_dict()}
                for t in tier_table.index
                if tier_n.loc[t].fillna(0).sum() > 0
            ],
            score=records(review.score),
            plan=records(review.plan),
            levers=records(review.levers),
            horizon=review.levers.attrs.get("horizon_months")
            if review.levers is not None
            else None,
            chart=_qbr_chart(review) if chart else "",
            page_size=_page(page_size),
        )
    )


def render_signoff(sheet, *, page_size: str | None = None) -> str:
    """The sign-off sheet as one printable HTML page (``page_size`` as in :func:`render_brief`)."""
    return environment().get_template("signoff.html.j2").render(s=sheet, page_size=_page(page_size))


def write_page(html: str, path: str | Path) -> Path:
    """Write one HTML page (through a temporary file in the same folder)."""
    from helpers.core.report import atomic_write_text

    return atomic_write_text(path, html)
