"""Write the meeting kit: the weekly brief, the QBR pack, ``sla.yml`` and the sign-off sheet.

:func:`write_meeting_kit` is what ``alignment-edge run`` calls once the notebooks have run:
it reads the report folder (validated tables, ``summary.json``, ``icp.yml``,
``mql_definition.yml``, ``scored_leads.csv``) and writes the four files beside them. A
piece the data cannot feed is skipped with one sentence; nothing here fails a run.
:func:`write_brief` is ``alignment-edge brief ORG [--week]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpers.meeting.inputs import SLA_FILE, MeetingInputs, inputs_from_org, inputs_from_report

#: The files the kit writes into a report folder.
KIT_FILES = {"sla": SLA_FILE, "brief": "brief.html", "qbr": "qbr.html", "signoff": "signoff.html"}


@dataclass
class KitResult:
    """What :func:`write_meeting_kit` wrote, and why a piece was skipped.

    Attributes
    ----------
    written : dict
        Piece (``sla``, ``brief``, ``qbr``, ``signoff``) -> the file written.
    skipped : dict
        Piece -> one sentence saying why it was not written.
    notes : list of str
        Sentences about what was written (e.g. a week with no data).
    """

    written: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """One line for the run's progress output."""
        text = "meeting kit: " + (
            ", ".join(p.name for p in self.written.values()) or "nothing written"
        )
        if self.skipped:
            text += "; skipped " + "; ".join(
                f"{k} ({v.rstrip('.')})" for k, v in self.skipped.items()
            )
        return text


def _piece(result: KitResult, name: str, write: Callable[[], Path | None]) -> None:
    """Write one piece; any error becomes its skip sentence (the run goes on)."""
    try:
        path = write()
    except Exception as exc:  # noqa: BLE001 - a piece of the kit never fails the run
        reason = str(exc).strip().rstrip(".") or type(exc).__name__
        result.skipped[name] = f"{reason}."
        return
    if path is not None:
        result.written[name] = path


def _write_sla(inputs: MeetingInputs, folder: Path) -> Path:
    from helpers.meeting.sla import sla_terms, write_sla

    terms = sla_terms(inputs)
    if not terms["marketing"] and not terms["sales"]:
        raise ValueError(
            "no SLA term could be computed from this export: the terms need a revenue plan "
            "(module 3), ICP tiers (module 1) or sales touches (module 2)"
        )
    inputs.sla = terms
    return write_sla(terms, folder)


def _write_brief(inputs: MeetingInputs, path: Path, week, notes: list[str]) -> Path:
    from helpers.meeting.brief import weekly_brief
    from helpers.meeting.render import render_brief, write_page

    brief = weekly_brief(inputs, week)
    notes += [brief.no_data] if brief.no_data else brief.notes
    return write_page(render_brief(brief), path)


def _write_qbr(inputs: MeetingInputs, path: Path, quarter) -> Path:
    from helpers.meeting.qbr import quarterly_review
    from helpers.meeting.render import render_qbr, write_page

    review = quarterly_review(inputs, quarter)
    blocks = ("arrivals", "funnel", "tiers", "score", "plan", "levers")
    if all(getattr(review, b) is None for b in blocks):
        raise ValueError(" ".join(dict.fromkeys(review.skipped.values())))
    return write_page(render_qbr(review), path)


def _write_signoff(inputs: MeetingInputs, path: Path) -> Path:
    from helpers.meeting.render import render_signoff, write_page
    from helpers.meeting.signoff import signoff_sheet

    j = inputs.journeys()
    sheet = signoff_sheet(
        inputs.icp,
        inputs.mql,
        inputs.sla,
        org=inputs.name,
        data_to=f"{j.export_date:%Y-%m-%d}" if j is not None else None,
    )
    if sheet.icp is None and sheet.mql is None and sheet.sla is None:
        raise ValueError(" ".join(sheet.missing.values()))
    return write_page(render_signoff(sheet), path)


def write_meeting_kit(
    report_dir: str | Path,
    *,
    injected: dict[str, dict] | None = None,
    week=None,
    quarter=None,
) -> KitResult:
    """Write ``sla.yml``, ``brief.html``, ``qbr.html`` and ``signoff.html`` into a report folder.

    Parameters
    ----------
    report_dir : path-like
        A report folder holding the validated tables (``tables/``) and the modules' outputs.
    injected : dict, optional
        The parameters the run injected per notebook (default: ``org.yml``'s).
    week : date-like, optional
        Any day of the brief's week (default: the last full week of the data).
    quarter : str, optional
        The reviewed quarter, e.g. ``"2024Q3"`` (default: the last complete one).

    Returns
    -------
    KitResult
        Never raises for a piece the data cannot feed: the piece is listed in ``skipped``.
    """
    folder = Path(report_dir)
    result = KitResult()
    try:
        inputs = inputs_from_report(folder, injected=injected)
    except Exception as exc:  # noqa: BLE001 - the kit never fails a run
        result.skipped["kit"] = f"{str(exc).strip().rstrip('.')}."
        return result
    _piece(result, "sla", lambda: _write_sla(inputs, folder))
    _piece(
        result,
        "brief",
        lambda: _write_brief(inputs, folder / KIT_FILES["brief"], week, result.notes),
    )
    _piece(result, "qbr", lambda: _write_qbr(inputs, folder / KIT_FILES["qbr"], quarter))
    _piece(result, "signoff", lambda: _write_signoff(inputs, folder / KIT_FILES["signoff"]))
    return result


def brief_path(folder: str | Path, week) -> Path:
    """``folder/brief_<Monday>.html``."""
    from helpers.meeting.brief import week_start

    return Path(folder) / f"brief_{week_start(week):%Y-%m-%d}.html"


def write_brief(
    org_dir: str | Path,
    *,
    week=None,
    out: str | Path | None = None,
    report_dir: str | Path | None = None,
):
    """``alignment-edge brief``: load an org, build one week's brief and write it.

    Parameters
    ----------
    org_dir : path-like
        The organization folder (validated as ``check`` does).
    week : date-like, optional
        Any day of the week; default the last full week of the data.
    out : path-like, optional
        The HTML file to write (default ``<report folder>/brief_<Monday>.html``).
    report_dir : path-like, optional
        Where to read ``icp.yml`` / ``sla.yml`` from and write to (default ``reports/<org>``).

    Returns
    -------
    (Path, Brief)
        The file written and the brief (its ``no_data`` says when the week has no data).
    """
    from helpers.core import paths
    from helpers.meeting.brief import weekly_brief
    from helpers.meeting.render import render_brief, write_page

    inputs = inputs_from_org(org_dir, report_dir=report_dir)
    brief = weekly_brief(inputs, week)
    folder = inputs.report_dir or (paths.REPORTS / paths.org_slug(inputs.name))
    if report_dir is not None:
        folder = paths.resolve(report_dir)
    target = paths.resolve(out) if out is not None else brief_path(folder, brief.week)
    return write_page(render_brief(brief), target), brief
