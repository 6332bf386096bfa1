"""The report's front page: ``reports/<org>/index.html``.

One page, readable in a minute: the org and the period its data covers, each module's
status and headline (the ICP rule and its win rate against the rest, the biggest leak with
its cause and side, the leads the plan needs against those arriving, the MQL score's lift
and threshold), what was skipped and why, the artifacts both teams sign, and links to every
report and chart. It is built from ``summary.json`` and the artifacts in the folder only:
nothing is analysed again (:func:`index_page` gathers, :func:`render_index` writes HTML,
:func:`write_index` does both).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core import paths, report
from helpers.runner.execute import ANALYST_SUFFIX, report_paths
from helpers.runner.summary import RUN_KEY

INDEX = "index.html"
TEMPLATE = Path(__file__).parent / "templates" / "index.html.j2"
_NOTEBOOK = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")

#: Module titles of the curriculum's notebooks.
TITLES = {
    "00_data_check": "Data check",
    "01_define_icp": "Ideal customer profile (ICP)",
    "02_funnel_leakage": "Funnel leakage",
    "03_revenue_growth": "Revenue growth from alignment",
    "04_mql_classifier": "MQL score",
}
#: The artifacts both teams sign, and what each one is.
TO_SIGN = {
    "icp.yml": "the ideal customer profile: the rule, its evidence and the account tiers",
    "mql_definition.yml": "the MQL definition: the points table and its threshold",
    "sla.yml": "the service-level agreement between sales and marketing",
}
#: Other files a report holds, and what each one is.
OTHER_FILES = {
    "lead_plan.csv": "leads needed month by month to meet the revenue plan",
    "scenarios.csv": "won revenue month by month, today's funnel vs an aligned one",
    "scored_leads.csv": "every lead with its MQL score, band and reasons",
    "mql_model_card.md": "the MQL model card: what it predicts, its data and its test",
    "mql_model.skops": "the fitted MQL model (skops file)",
    "summary.json": "every headline figure, machine-readable",
}


@dataclass
class Link:
    """A file of the report: where it is (relative to the index) and what it is."""

    href: str
    label: str
    note: str = ""


@dataclass
class Module:
    """One module of the report, as the index shows it.

    Attributes
    ----------
    number, key, title : str
        ``"02"``, the notebook key (``"02_funnel_leakage"``) and a readable title.
    status : str
        ``"ok"``, ``"skipped"`` (the module stopped: ``reason`` says why) or
        ``"not run"`` (no executed notebook in this report).
    headline : list of str
        The module's key findings, one sentence each, from ``summary.json``.
    notes : list of str
        Parts of the module that were left out, with their reason.
    """

    number: str
    key: str
    title: str
    status: str
    reason: str = ""
    headline: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    figures: list[Link] = field(default_factory=list)


@dataclass
class IndexPage:
    """Everything the index page shows, gathered from one report folder."""

    org: str
    currency: str
    data_from: str | None
    data_to: str | None
    modules: list[Module]
    to_sign: list[Link]
    meeting: list[Link]
    files: list[Link]

    @property
    def skipped(self) -> list[Module]:
        """The modules that stopped or did not run."""
        return [m for m in self.modules if m.status != "ok"]

    @property
    def left_out(self) -> list[tuple[Module, str]]:
        """Everything left out, with its reason: whole modules first, then parts of the
        modules that ran."""
        whole = [(m, m.reason) for m in self.skipped]
        return whole + [(m, note) for m in self.modules for note in m.notes]


# --------------------------------------------------------------------------- figures


def pct(value: Any) -> str:
    """A share as a percentage: ``0.425 -> "43%"``, ``0.003 -> "0.3%"``."""
    if not _is_number(value):
        return "n/a"
    v = float(value)
    if v != 0 and abs(v) < 0.01:
        return f"{v:.1%}"
    return f"{v:.0%}"


def money(value: Any, currency: str) -> str:
    """An amount with its currency: ``20911723 -> "20.9M USD"``."""
    if not _is_number(value):
        return "n/a"
    v = float(value)
    a = abs(v)
    if a >= 1e9:
        text = f"{v / 1e9:.1f}B"
    elif a >= 1e6:
        text = f"{v / 1e6:.1f}M"
    elif a >= 1e4:
        text = f"{v / 1e3:.0f}k"
    else:
        text = f"{v:,.0f}"
    return f"{text} {currency}".strip()


def count(value: Any) -> str:
    """A count with thousands separators: ``4859 -> "4,859"``."""
    return f"{float(value):,.0f}" if _is_number(value) else "n/a"


def stage(label: Any) -> str:
    """A funnel transition as people write it: ``"sal->sql" -> "SAL → SQL"``."""
    parts = [p.strip() for p in str(label).split("->")]
    return " → ".join(p.upper() if p.lower() in _ACRONYMS else p for p in parts)


_ACRONYMS = {"mql", "sal", "sql", "icp"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


# --------------------------------------------------------------------------- headlines


def _headline_data_check(s: dict, currency: str) -> list[str]:
    rows = s.get("rows") or {}
    out = []
    if rows:
        order = sorted(rows, key=lambda t: (t not in _TABLE_ORDER, _TABLE_ORDER.index(t)
                                            if t in _TABLE_ORDER else 0, t))
        out.append("Rows read: " + ", ".join(f"{t} {count(rows[t])}" for t in order) + ".")
    issues = s.get("issues") or {}
    if s.get("issues_total") == 0:
        out.append("No data-quality problem reported.")
    elif "issues_total" in s:
        kinds = ", ".join(f"{count(n)} {k.replace('_', ' ')}" for k, n in issues.items())
        out.append(
            f"{count(s['issues_total'])} data-quality problems reported"
            + (f" ({kinds})." if kinds else ".")
        )
    if s.get("modules_not_runnable"):
        names = [_title_of(str(m)) for m in s["modules_not_runnable"]]
        out.append("The data cannot feed: " + ", ".join(names) + ".")
    return out


def _headline_icp(s: dict, currency: str) -> list[str]:
    out = []
    rule = str(s.get("icp_rule") or "").rstrip(".")
    if rule and not _is_number(s.get("icp_win_rate")):  # the rule text says why there is none
        return [f"{rule}.", f"Overall win rate {pct(s.get('overall_win_rate'))}."]
    if rule:
        out.append(f"ICP: {rule}.")
    if _is_number(s.get("icp_win_rate")):
        ci = s.get("icp_win_rate_ci") or []
        interval = f" (95% interval {pct(ci[0])}-{pct(ci[1])})" if len(ci) == 2 else ""
        out.append(
            f"Win rate {pct(s['icp_win_rate'])}{interval} inside the ICP vs "
            f"{pct(s.get('icp_outside_win_rate'))} outside it "
            f"(overall {pct(s.get('overall_win_rate'))})."
        )
    if _is_number(s.get("icp_coverage_accounts")):
        out.append(
            f"The ICP holds {pct(s['icp_coverage_accounts'])} of accounts and brought "
            f"{pct(s.get('icp_revenue_share'))} of won revenue."
        )
    if not out and _is_number(s.get("overall_win_rate")):
        out.append(f"No ICP rule found; overall win rate {pct(s['overall_win_rate'])}.")
    return out


def _headline_funnel(s: dict, currency: str) -> list[str]:
    out = []
    leak = s.get("biggest_leak") or {}
    if leak.get("stage"):
        lost = f"{count(leak.get('lost_leads'))} leads lost"
        if _is_number(leak.get("lost_revenue")):
            lost += f", about {money(leak['lost_revenue'], currency)} of revenue"
        if _is_number(leak.get("recoverable_leads")) and leak["recoverable_leads"] > 0:
            # the leak the funnel module ranks first: what is recoverable, then the raw loss
            back = f"{count(leak['recoverable_leads'])} leads"
            if _is_number(leak.get("recoverable_revenue")):
                back += f" (about {money(leak['recoverable_revenue'], currency)})"
            out.append(
                f"Leak to act on first: {stage(leak['stage'])}, {back} recoverable of "
                f"{lost}{_cause(leak)}."
            )
        else:
            out.append(f"Biggest leak: {stage(leak['stage'])} ({lost}){_cause(leak)}.")
    stl = s.get("speed_to_lead") or {}
    if _is_number(stl.get("within_24h")):
        out.append(
            f"Sales answers {pct(stl['within_24h'])} of MQLs within 24 h and never touches "
            f"{pct(stl.get('never'))}."
        )
    if _is_number(s.get("touches_plateau")):
        out.append(f"Conversion stops rising after {count(s['touches_plateau'])} touches.")
    return out


def _cause(leak: dict) -> str:
    """``"; main cause: under-worked leads, on the sales side"`` (empty when unknown)."""
    cause, side = leak.get("cause"), leak.get("side")
    if not cause:
        return ""
    if cause == "not judged":
        return "; its cause cannot be judged from this export (no sales touches recorded)"
    where = {"marketing": ", on the marketing side", "sales": ", on the sales side",
             "neither": ", on neither side", "both": ", on both sides"}.get(str(side), "")
    return f"; main cause: {cause} leads{where}"


def _headline_revenue(s: dict, currency: str) -> list[str]:
    out = []
    if _is_number(s.get("leads_needed_per_month")):
        top = stage(s.get("top_stage") or "top-of-funnel")
        band = ""
        if _is_number(s.get("leads_needed_low")) and _is_number(s.get("leads_needed_high")):
            band = f" ({count(s['leads_needed_low'])}-{count(s['leads_needed_high'])})"
        arriving = (
            f" vs {count(s['run_rate_top'])} arriving" if _is_number(s.get("run_rate_top")) else ""
        )
        out.append(
            f"The revenue plan needs {count(s['leads_needed_per_month'])}{band} {top} "
            f"leads a month{arriving}."
        )
    if _is_number(s.get("p_run_rate_enough")):
        out.append(f"Chance that today's run-rate is enough: {pct(s['p_run_rate_enough'])}.")
    scenario = s.get("scenario") or {}
    if s.get("levers") == {} and not scenario.get("uplift_pct"):
        out.append("No alignment lever could be measured in this export, so the aligned "
                   "scenario equals today's funnel.")
    elif _is_number(scenario.get("uplift_pct")):
        months = scenario.get("horizon_months")
        over = f" over {count(months)} months" if _is_number(months) else ""
        out.append(
            f"An aligned funnel would bring {pct(scenario['uplift_pct'])} more won revenue"
            f"{over} ({money(scenario.get('uplift_revenue'), currency)})."
        )
    return out


def _headline_mql(s: dict, currency: str) -> list[str]:
    out = []
    if _is_number(s.get("lift_top10")):
        how = f"{s.get('validation')} test" if s.get("validation") else "test"
        out.append(
            f"MQL score ({s.get('scorer_used') or s.get('best_model') or 'model'}, {how}): "
            f"the top 10% of leads convert {float(s['lift_top10']):.1f} times as often as "
            "the average lead."
        )
    if _is_number(s.get("threshold_points")):
        weekly = s.get("expected_weekly_mqls")
        per_week = f", about {float(weekly):.0f} MQLs a week" if _is_number(weekly) else ""
        out.append(f"MQL threshold: {count(s['threshold_points'])} points{per_week}.")
    if s.get("sufficiency") is False and s.get("sufficiency_message"):
        out.append(str(s["sufficiency_message"]))
    if s.get("excluded_leaks"):
        out.append("Left out as leaks: " + ", ".join(map(str, s["excluded_leaks"])) + ".")
    return out


_TABLE_ORDER = ["leads", "opportunities", "accounts", "activities", "spend", "plan"]

HEADLINES = {
    "00": _headline_data_check,
    "01": _headline_icp,
    "02": _headline_funnel,
    "03": _headline_revenue,
    "04": _headline_mql,
}


def _title_of(module: str) -> str:
    """``"03_revenue"`` -> the curriculum title of module 03, else the text itself."""
    number = module[:3]
    return next((t for k, t in TITLES.items() if k.startswith(number)), module)


def _notes(entry: dict) -> list[str]:
    """Parts of a module that were left out (a ``skipped`` list in its entry)."""
    skipped = entry.get("skipped")
    if isinstance(skipped, list | tuple):
        return [str(x) for x in skipped]
    if isinstance(skipped, dict):
        return [f"{k}: {v}" for k, v in skipped.items()]
    return []


# --------------------------------------------------------------------------- gathering


def _module_keys(summary: dict, folder: Path) -> list[str]:
    """Notebook keys of the report: those run (``_run.notebooks``), those present, and,
    in a report of the curriculum, its modules not run yet (``--only``)."""
    keys = set(summary.get(RUN_KEY, {}).get("notebooks") or [])
    keys |= {p.stem for p in folder.glob("*.ipynb") if _NOTEBOOK.match(p.name)}
    curriculum = {p.stem for p in paths.NOTEBOOKS.glob("*.ipynb") if _NOTEBOOK.match(p.name)}
    if keys & curriculum:
        keys |= curriculum
    return sorted(keys)


def _entry(summary: dict, number: str, key: str) -> dict:
    """The notebook's entry in ``summary.json`` (key ``NN_...``), or an empty dict."""
    if isinstance(summary.get(key), dict):
        return summary[key]
    for name, value in sorted(summary.items()):
        if name.startswith(f"{number}_") and isinstance(value, dict):
            return value
    return {}


def _sections_skipped(summary: dict, number: str) -> list[str]:
    """The data check's skipped sections of module ``number`` (``sections_skipped``)."""
    check = _entry(summary, "00", "00_data_check")
    sections = check.get("sections_skipped") or {}
    if not isinstance(sections, dict):
        return []
    return [str(why) for name, why in sorted(sections.items()) if name.startswith(f"{number}_")]


def _module(summary: dict, folder: Path, key: str, currency: str) -> Module:
    number = key[:2]
    entry = _entry(summary, number, key)
    ran = key in (summary.get(RUN_KEY, {}).get("notebooks") or []) or (
        folder / f"{key}.ipynb"
    ).is_file()
    title = TITLES.get(key) or key[3:].replace("_", " ").capitalize()
    module = Module(number=number, key=key, title=title, status="ok" if ran else "not run")
    if isinstance(entry.get("skipped"), str):
        module.status, module.reason = "skipped", entry["skipped"]
    elif not ran:
        module.reason = "not run in this report"
    else:
        maker = HEADLINES.get(number)
        module.headline = maker(entry, currency) if maker else []
        notes = _notes(entry) + _sections_skipped(summary, number)
        module.notes = list(dict.fromkeys(notes))
    nb = folder / f"{key}.ipynb"
    business, analyst = report_paths(nb)
    for path, label in ((business, "report"), (analyst, "with code"), (nb, "notebook")):
        if path.is_file():
            module.links.append(Link(path.name, label))
    module.figures = [
        Link(f"figures/{p.name}", p.stem[3:].replace("_", " "))
        for p in sorted((folder / "figures").glob(f"{number}_*.png"))
    ]
    return module


def _module_pages(folder: Path, keys: list[str]) -> set[str]:
    names = {INDEX}
    for key in keys:
        names |= {p.name for p in report_paths(folder / f"{key}.ipynb")}
    return names


def _page_title(path: Path) -> str:
    """The ``<title>`` of an HTML page, else its file name."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return path.name
    found = re.search(r"<title>(.*?)</title>", head, re.S | re.I)
    return html.unescape(found.group(1).strip()) if found else path.name


def index_page(folder: str | Path) -> IndexPage:
    """Gather what the index shows from a report folder (``summary.json`` and files).

    Parameters
    ----------
    folder : path-like
        A report folder written by the runner.

    Returns
    -------
    IndexPage
        The org, its data period, every module with its status and headline, the
        artifacts to sign, the meeting kit's pages and the other files.
    """
    folder = Path(folder)
    summary = report.read_summary(folder)
    run = summary.get(RUN_KEY, {})
    currency = str(run.get("currency") or "")
    keys = _module_keys(summary, folder)
    modules = [_module(summary, folder, key, currency) for key in keys]
    check = next((_entry(summary, "00", k) for k in keys if k.startswith("00_")), {})
    module_pages = _module_pages(folder, keys)
    to_sign = [Link(n, n, note) for n, note in TO_SIGN.items() if (folder / n).is_file()]
    meeting = [
        Link(p.name, _page_title(p) if p.suffix == ".html" else p.name)
        for p in sorted(folder.glob("*"))
        if p.suffix in {".html", ".pdf"} and p.name not in module_pages and p.is_file()
    ]
    files = [Link(n, n, note) for n, note in OTHER_FILES.items() if (folder / n).is_file()]
    return IndexPage(
        org=str(run.get("org") or folder.name),
        currency=currency,
        data_from=run.get("data_from") or check.get("date_from"),
        data_to=run.get("data_to") or check.get("date_to"),
        modules=modules,
        to_sign=to_sign,
        meeting=meeting,
        files=files,
    )


# --------------------------------------------------------------------------- writing


def render_index(page: IndexPage) -> str:
    """The index page as standalone HTML (inline styles; links relative to the folder)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE.name).render(page=page, analyst_suffix=ANALYST_SUFFIX)


def write_index(folder: str | Path) -> Path:
    """Write ``folder/index.html`` from the report's ``summary.json`` and artifacts.

    Returns
    -------
    Path
        The page written.
    """
    folder = Path(folder)
    return report.atomic_write_text(folder / INDEX, render_index(index_page(folder)))
