"""What each notebook of the curriculum needs, module by module and section by section.

The contracts are data: one :class:`~helpers.data.readiness.Contract` per notebook, built
from :class:`~helpers.data.readiness.Need` checks. Each check returns None when the need is
met, or a clause saying what the data lacks; :mod:`helpers.data.readiness` turns that into
the sentence ``check``, the data-check notebook and the runner show.
"""

from __future__ import annotations

from helpers.data.readiness import LEAD_DATES, Contract, Need, Section, View


def _missing(view: View, table: str, *columns: str) -> str | None:
    """"there is no <table> table" / "<table>.<col> is empty or not mapped" (None when present)."""
    if view.df(table) is None:
        return f"there is no {table} table"
    for c in columns:
        if not view.has(table, c):
            return f"{table}.{c} is not mapped or has no values"
    return None


def _needs_columns(table: str, *columns: str, fix: str | None = None, what: str | None = None) -> Need:
    """A need for some values in every one of ``columns`` of ``table``."""
    names = ", ".join(f"{table}.{c}" for c in columns)

    def lacks(v: View) -> str | tuple[str, str] | None:
        lack = _missing(v, table, *columns)
        if lack is not None and v.df(table) is None and table != "leads":
            return lack, f"add files.{table} (with {', '.join(columns)}) in org.yml"
        return lack

    return Need(
        what=what or names,
        lacks=lacks,
        fix=fix or f"map {names} under columns.{table} in org.yml",
    )


def _any_of(what: str, options: list[tuple[str, tuple[str, ...]]], fix: str) -> Need:
    """A need met by any one of several ``(table, columns)`` options."""

    def lacks(v: View) -> str | None:
        if any(v.has(t, *cols) for t, cols in options):
            return None
        names = " or ".join(f"{t}.{'/'.join(cols)}" if cols else f"an {t} table" for t, cols in options)
        return f"this data has none of {names}"

    return Need(what, lacks, fix)


# --------------------------------------------------------------------------- outcomes


def _outcome_lack(v: View) -> str | None:
    out = v.outcomes()
    if not len(out):
        return "there is neither opportunities.outcome (won/lost) nor leads.converted"
    if out.all() or not out.any():
        kind = "won" if out.all() else "not won"
        return f"all {len(out):,} closed outcomes are {kind}"
    return None


OUTCOMES = Need(
    "won and lost outcomes (opportunities.outcome, or leads.converted)",
    _outcome_lack,
    "map opportunities.outcome with a value map onto won/lost, or leads.converted",
)


def _attribute_lack(v: View) -> str | None:
    ways = [FIRMO_INDUSTRY, FIRMO_SIZE, FIRMO_REGION, TITLES, SEGMENTS]
    if any(need.lacks(v) is None for need in ways):
        return None
    return "no firmographics, job titles or declared attributes (parameters.icp_segments) are mapped"


ATTRIBUTES = Need(
    "something to segment on (firmographics, leads.job_title, or the columns named in "
    "parameters.icp_segments)",
    _attribute_lack,
    "map accounts (industry, employees...) or leads.job_title, or list the columns to segment "
    "by under parameters.icp_segments in org.yml",
)


def _account_link_lack(v: View) -> str | None:
    if v.df("accounts") is None:
        return "there is no accounts table"
    if not (v.has("leads", "account_id") or v.has("opportunities", "account_id")):
        return "neither leads nor opportunities have an account_id"
    return None


ACCOUNT_LINK = Need(
    "an accounts table linked by account_id",
    _account_link_lack,
    "map files.accounts and leads.account_id (or opportunities.account_id) in org.yml",
)


def _firmo(*columns: str) -> Need:
    """Firmographic columns: on a linked accounts table, or on the deal or lead rows."""
    names = " or ".join(columns)

    def lacks(v: View) -> str | None:
        if any(v.has(t, c) for t in ("opportunities", "leads") for c in columns):
            return None
        link = _account_link_lack(v)
        if link is not None:
            return f"{link} and no deal or lead row has {names}"
        return None if v.filled("accounts", *columns) else f"accounts.{names} has no values"

    return Need(
        f"{names} (on accounts linked by account_id, or on the deal or lead rows)",
        lacks,
        f"map {names} under columns.accounts (or on the opportunities or leads) in org.yml",
    )


def _declared(v: View) -> list[str]:
    spec = v.params.get("icp_segments") or []
    if isinstance(spec, str):
        spec = [s.strip() for s in spec.split(",") if s.strip()]
    if isinstance(spec, dict):
        return [str(k) for k in spec]
    return [str(next(iter(s))) if isinstance(s, dict) else str(s) for s in spec]


def _segments_lack(v: View) -> str | tuple[str, str] | None:
    names = _declared(v)
    if not names:
        return (
            "parameters.icp_segments names none",
            "list the columns to segment by under parameters.icp_segments in org.yml, "
            "e.g. [route_to_market, region]",
        )
    absent = [n for n in names if not any(v.has(t, n) for t in ("opportunities", "leads", "accounts"))]
    if absent:
        return f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} in no table"
    return None


SEGMENTS = Need(
    "the attributes named in parameters.icp_segments, mapped under columns",
    _segments_lack,
    "map each named column under columns in org.yml",
)


def _titles_lack(v: View) -> str | None:
    if not v.has("leads", "job_title"):
        return "leads.job_title is not mapped or has no values"
    if v.has("opportunities", "outcome") and not v.linked() and not v.has("leads", "converted"):
        return "the opportunities do not name their lead (opportunities.lead_id)"
    return None


TITLES = Need(
    "job titles of leads whose outcome is known (leads.job_title, with opportunities.lead_id or "
    "leads.converted)",
    _titles_lack,
    "map leads.job_title and opportunities.lead_id in org.yml",
)

FIRMO_INDUSTRY = _firmo("industry", "sic_code")
FIRMO_SIZE = _firmo("employees", "annual_revenue", "locations")
FIRMO_REGION = _firmo("region", "country")

ICP = Contract(
    "01_define_icp",
    "01_icp",
    "the ICP module",
    (OUTCOMES, ATTRIBUTES),
    (
        Section("industry", "industry segments", (FIRMO_INDUSTRY,)),
        Section("size", "company-size segments", (FIRMO_SIZE,)),
        Section("region", "region segments", (FIRMO_REGION,)),
        Section("titles", "job-title segments", (TITLES,)),
        Section("declared", "segments on declared attributes", (SEGMENTS,)),
        Section("tiers", "account tiers", (ACCOUNT_LINK,)),
    ),
)


# --------------------------------------------------------------------------- funnel

LEAD_DATE = _any_of(
    "lead dates (leads.created_at, or a stage date mql_at / sal_at / sql_at)",
    [("leads", (c,)) for c in LEAD_DATES],
    "map the export's creation date to columns.leads.created_at in org.yml",
)


def _stages_lack(v: View) -> str | None:
    dated = v.filled("leads", *LEAD_DATES)
    later = len(dated) >= 2 or v.has("leads", "stage") or v.has("leads", "converted")
    later = later or v.linked() or v.has("leads", "disqualified_at")
    if dated and later:
        return None
    return "the export records a single stage (no second stage date, lead stage, converted flag or linked opportunity)"


TWO_STAGES = Need(
    "two funnel stages",
    _stages_lack,
    "map a later stage (sql_at, stage, converted, or opportunities with lead_id) in org.yml",
)


def _sales_touch_lack(v: View) -> str | None:
    if v.has("activities", "occurred_at", "team") or v.has("leads", "first_sales_touch_at"):
        return None
    if v.df("activities") is not None:
        return "activities.team is not mapped, so sales touches cannot be told apart"
    return "there is no activities table and no leads.first_sales_touch_at"


SALES_TOUCH_TIMES = Need(
    "the time of each lead's first sales touch (activities with team, or "
    "leads.first_sales_touch_at)",
    _sales_touch_lack,
    "map files.activities (with team) or leads.first_sales_touch_at in org.yml",
)


def _hours_lack(v: View) -> str | None:
    lack = _sales_touch_lack(v)
    if lack is not None:
        return lack
    start_only = "created_at" in v.date_only.get("leads", [])
    touch_only = (
        "occurred_at" in v.date_only.get("activities", [])
        if v.df("activities") is not None
        else "first_sales_touch_at" in v.date_only.get("leads", [])
    )
    if start_only or touch_only:
        return "the timestamps are dates only (no time of day), so buckets are in days"
    return None


HOURS = Need(
    "timestamps with a time of day",
    _hours_lack,
    "export date-time columns rather than dates to see answers within the hour",
)
TOUCH_COUNTS = _any_of(
    "sales touches per lead (an activities table, or leads.sales_touches)",
    [("activities", ("occurred_at",)), ("leads", ("sales_touches",))],
    "map files.activities or leads.sales_touches in org.yml",
)
ANY_TOUCHES = _any_of(
    "touches per lead (an activities table, or leads.sales_touches / marketing_touches)",
    [("activities", ("occurred_at",)), ("leads", ("sales_touches",)), ("leads", ("marketing_touches",))],
    "map files.activities or the touch counts on leads in org.yml",
)
FIT_OR_TOUCHES = _any_of(
    "touches or fit data (activities, touch counts, accounts or job titles)",
    [
        ("activities", ("occurred_at",)),
        ("leads", ("sales_touches",)),
        ("leads", ("first_sales_touch_at",)),
        ("accounts", ()),
        ("leads", ("job_title",)),
    ],
    "map files.activities, files.accounts or leads.job_title in org.yml",
)


def _won_amount_lack(v: View) -> str | None:
    won = v.won()
    if won is None:
        return "there is no opportunities table with outcome"
    if not len(won):
        return "no opportunity is won"
    if "amount" not in won.columns or not won["amount"].notna().any():
        return "no won deal has an amount"
    return None


LEAK_MONEY = Need(
    "won deals with an amount (opportunities.amount)",
    _won_amount_lack,
    "map opportunities.amount in org.yml (leaks are then counted in leads only)",
)
REPS = Need(
    "each lead's rep (leads.owner_id) and touches",
    lambda v: _missing(v, "leads", "owner_id") or ANY_TOUCHES.lacks(v),
    "map leads.owner_id and files.activities in org.yml",
)

FUNNEL = Contract(
    "02_funnel_leakage",
    "02_funnel",
    "the funnel module",
    (LEAD_DATE, TWO_STAGES),
    (
        Section("leak_money", "revenue lost per leak", (LEAK_MONEY,)),
        Section("speed_to_lead", "speed-to-lead", (SALES_TOUCH_TIMES,)),
        Section("speed_hours", "hour-level speed buckets", (HOURS,)),
        Section("journey", "the buyer's journey", (ANY_TOUCHES,)),
        Section("touches", "the touches curve", (TOUCH_COUNTS,)),
        Section("attribution", "leak attribution (fit vs follow-up)", (FIT_OR_TOUCHES,)),
        Section("reps", "the by-rep view", (REPS,)),
    ),
)


# --------------------------------------------------------------------------- revenue


def _won_lack(v: View) -> str | None:
    won = v.won()
    if won is None:
        return "there is no opportunities table with outcome"
    return None if len(won) else "no opportunity is won"


def _won_dates_lack(v: View) -> str | None:
    won = v.won()
    if won is None or not len(won):
        return _won_lack(v)
    if "closed_at" not in won.columns or not won["closed_at"].notna().any():
        return "no won deal has a closed_at date"
    return None


def _deal_value_lack(v: View) -> str | None:
    if float(v.params.get("deal_size") or 0) > 0:
        return None
    return _won_amount_lack(v)


def _start_date_lack(v: View) -> str | None:
    if v.has("opportunities", "created_at"):
        return None
    if v.has("leads", "created_at") and v.linked():
        return None
    return "opportunities.created_at has no values and the deals are not linked to dated leads"


WON_DEALS = Need(
    "won deals (opportunities with outcome won)",
    _won_lack,
    "map files.opportunities and opportunities.outcome with a value map onto won/lost",
)
WON_DATES = Need(
    "the close date of won deals (opportunities.closed_at)",
    _won_dates_lack,
    "map opportunities.closed_at in org.yml",
)
DEAL_VALUE = Need(
    "the value of won deals (opportunities.amount, or the deal_size parameter)",
    _deal_value_lack,
    "map opportunities.amount, or set parameters.deal_size to the average won deal value",
)
START_DATES = Need(
    "a dated stage before won (opportunities.created_at, or leads.created_at with "
    "opportunities.lead_id)",
    _start_date_lack,
    "map opportunities.created_at (or leads.created_at and opportunities.lead_id) in org.yml",
)


def _plan_lack(v: View) -> str | None:
    if v.has("plan", "period", "revenue_target") or float(v.params.get("revenue_plan") or 0) > 0:
        return None
    return "there is no plan table and revenue_plan is 0 (the last 12 months grown by plan_growth stand in)"


def _margin_lack(v: View) -> str | None:
    won = v.won()
    if won is not None and any(c in won.columns and won[c].notna().any() for c in ("gross_margin", "gross_profit")):
        return None
    return "won deals carry no gross_margin or gross_profit (the gross_margin parameter stands in)"


def _alignment_lack(v: View) -> str | None:
    return None if str(v.params.get("alignment_start") or "").strip() else "alignment_start is empty"


REVENUE = Contract(
    "03_revenue_growth",
    "03_revenue",
    "the revenue module",
    (WON_DEALS, WON_DATES, DEAL_VALUE, START_DATES),
    (
        Section(
            "plan",
            "the plan table's targets",
            (Need("a revenue plan (a plan table, or revenue_plan)", _plan_lack,
                  "map files.plan or set parameters.revenue_plan"),),
        ),
        Section(
            "gross_margin",
            "measured gross margin",
            (Need("gross margin on won deals (opportunities.gross_margin or gross_profit)",
                  _margin_lack, "map opportunities.gross_margin or opportunities.gross_profit"),),
        ),
        Section("economics", "the CAC and payback figures", (_needs_columns("spend", "month", "amount"),)),
        Section(
            "channels",
            "the channel investments",
            (
                _needs_columns("spend", "month", "channel", "amount"),
                _needs_columns("leads", "source", "created_at"),
            ),
        ),
        Section(
            "alignment_effect",
            "the before/after alignment estimate",
            (Need("the date alignment began (parameters.alignment_start)", _alignment_lack,
                  "set parameters.alignment_start in org.yml (YYYY-MM-DD)"),),
        ),
    ),
)


# --------------------------------------------------------------------------- classifier


def _label_lack(v: View) -> str | tuple[str, str] | None:
    if not (v.dated_deals() or v.has("leads", "converted") or v.has("leads", "stage")):
        if v.linked():
            return (
                "the opportunities linked to leads carry no dates, and there is no "
                "leads.converted or leads.stage",
                "map leads.created_at and opportunities.created_at or closed_at, or "
                "leads.converted",
            )
        return "there is no opportunities.lead_id, leads.converted or leads.stage"
    n, conv = v.conversions()
    if v.has("leads", "stage") and not (v.linked() or v.has("leads", "converted")):
        return None  # converted is read from the stage labels
    if conv == 0:
        return f"none of the {n:,} leads reached {v.params.get('label_stage')}"
    if conv == n:
        stage = v.params.get("label_stage")
        if stage != "won" and v.has("opportunities", "outcome"):
            return (
                f"all {n:,} leads reached {stage} (one lead per deal)",
                "set parameters.label_stage: won in org.yml to predict which deals are won",
            )
        return f"all {n:,} leads reached {stage}"
    return None


LABEL = Need(
    "to know which leads converted (dated opportunities with lead_id, leads.converted or "
    "leads.stage)",
    _label_lack,
    "map opportunities.lead_id, leads.converted or leads.stage in org.yml",
)


def _gate_lack(v: View) -> str | None:
    n, conv = v.conversions()
    need_n, need_c = int(v.params.get("min_leads") or 0), int(v.params.get("min_conversions") or 0)
    if n >= need_n and conv >= need_c:
        return None
    return (
        f"the data has about {n:,} leads and {conv:,} conversions (the gate asks for {need_n:,} "
        f"and {need_c:,}), so the agreed rule stands in"
    )


GATE = Need(
    "enough labelled leads and conversions (parameters min_leads, min_conversions)",
    _gate_lack,
    "add history, or lower min_leads / min_conversions knowing the model is less reliable",
)

MQL = Contract(
    "04_mql_classifier",
    "04_mql",
    "the MQL classifier",
    (LABEL,),
    (
        Section("model", "the trained lead score", (GATE,)),
        Section(
            "out_of_time",
            "out-of-time validation",
            (_needs_columns("leads", "created_at",
                            fix="map leads.created_at in org.yml (a stratified split stands in)"),),
        ),
        Section("touch_features", "touch features", (ANY_TOUCHES,)),
        Section("icp_tiers", "the agreed rule's ICP tiers", (ACCOUNT_LINK,)),
        Section(
            "drift",
            "score drift",
            (GATE, _needs_columns("leads", "created_at")),
        ),
    ),
)

DATA_CHECK = Contract(
    "00_data_check",
    "00_data_check",
    "the data check",
    (),
    (
        Section(
            "leads_per_month",
            "the leads-per-month chart",
            (_needs_columns("leads", "created_at"),),
        ),
    ),
)

#: Every notebook's contract, in notebook order.
CONTRACTS: tuple[Contract, ...] = (DATA_CHECK, ICP, FUNNEL, REVENUE, MQL)

__all__ = ["CONTRACTS", "DATA_CHECK", "FUNNEL", "ICP", "MQL", "REVENUE"]
