"""What the meeting kit reads: an org's validated tables, the modules' parameters and
artifacts, and the modules' own computations, each run at most once per kit.

Every figure of the kit comes from the curriculum's modules, called exactly the way
notebooks 02 (funnel) and 03 (revenue) call them, with the same parameters (notebook
defaults < ``org.yml: parameters`` < the run's ``-p``). :class:`MeetingInputs` runs each
step once, on first use, and remembers why a step could not run (one sentence), so that
every block of the brief, the QBR pack and the SLA can skip with that sentence.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: The notebooks whose parameters the kit uses, by the name the kit gives them.
NOTEBOOKS = {
    "funnel": "02_funnel_leakage",
    "revenue": "03_revenue_growth",
    "scoring": "04_mql_classifier",
}
#: Artifact files the modules write into a report folder.
ICP_FILE = "icp.yml"
MQL_FILE = "mql_definition.yml"
SLA_FILE = "sla.yml"
SCORED_FILE = "scored_leads.csv"


def _literal(text: str) -> Any:
    """A parameters-cell default (source text) as a Python value."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def meeting_parameters(
    org_parameters: dict | None = None, injected: dict[str, dict] | None = None
) -> dict[str, dict]:
    """The parameters notebooks 02-04 run with: defaults < ``org.yml`` < ``injected``.

    Parameters
    ----------
    org_parameters : dict, optional
        ``org.yml: parameters``.
    injected : dict, optional
        Notebook key -> parameters a run injected (the runner's resolved ``-p`` and
        ``org.yml`` values); when given it takes precedence over ``org_parameters``.

    Returns
    -------
    dict
        ``{"funnel": {...}, "revenue": {...}, "scoring": {...}}``, every declared name.
    """
    from helpers.runner.params import discover_notebooks

    by_key = {nb.key: nb for nb in discover_notebooks()}
    org_parameters = dict(org_parameters or {})
    out = {}
    for name, key in NOTEBOOKS.items():
        nb = by_key.get(key)
        declared = nb.declared if nb is not None else {}
        values = {k: _literal(v) for k, v in declared.items()}
        values.update({k: v for k, v in org_parameters.items() if k in declared})
        values.update((injected or {}).get(key, {}))
        out[name] = values
    return out


@dataclass
class MeetingInputs:
    """An org's data, the modules' parameters and artifacts, and their computations.

    Build it with :func:`inputs_from_report` (a run's report folder) or
    :func:`inputs_from_org` (an org folder, as ``alignment-edge brief`` does). The
    methods run a module step on first use and cache it; a step that cannot run
    returns ``None`` and leaves its reason in :attr:`reasons`.

    Attributes
    ----------
    data : OrgData
        The validated canonical tables.
    params : dict
        :func:`meeting_parameters` output.
    summary : dict
        The report's ``summary.json`` (empty without a report).
    icp, mql, sla : dict or None
        ``icp.yml``, ``mql_definition.yml`` and ``sla.yml`` of the report folder.
    report_dir : Path or None
        The report folder the artifacts came from.
    reasons : dict
        Step name -> the sentence saying why it could not run.
    """

    data: Any
    params: dict
    summary: dict = field(default_factory=dict)
    icp: dict | None = None
    mql: dict | None = None
    sla: dict | None = None
    report_dir: Path | None = None
    reasons: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ helpers

    def _once(self, name: str, compute):
        """Run ``compute()`` once; a ``ValueError`` becomes ``None`` and a reason."""
        if name not in self._cache:
            try:
                self._cache[name] = compute()
            except ValueError as exc:
                self.reasons[name] = str(exc).strip()
                self._cache[name] = None
        return self._cache[name]

    def why(self, *names: str) -> str:
        """The first recorded reason among ``names`` (empty when none)."""
        return next((self.reasons[n] for n in names if self.reasons.get(n)), "")

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def currency(self) -> str:
        return self.data.currency

    # ------------------------------------------------------------------ module 02 steps

    @property
    def target_stage(self) -> str | None:
        """Module 2's ``target_stage`` (None for ``auto``)."""
        t = self.params["funnel"].get("target_stage", "auto")
        return None if t == "auto" else t

    def require_dates(self, what: str) -> None:
        """Raise a one-sentence ``ValueError`` when the export has no lead or deal dates.

        The weekly brief and the quarterly review are about periods: on an undated export
        (a won/lost list) they have nothing to show, and say so instead of drawing empty blocks.
        """
        if not (self.data.has("leads", "created_at") or self.data.has("opportunities", "closed_at")):
            raise ValueError(
                f"the {what} needs dates (leads.created_at or opportunities.closed_at) "
                "and this export has none"
            )

    def journeys(self):
        """The funnel journeys with touches (``funnel.from_org``), or None."""
        from helpers import funnel

        def compute():
            if not self.data.has("leads", "lead_id"):
                raise ValueError("The leads table is empty: the funnel blocks need leads.")
            return funnel.from_org(self.data, target=self.target_stage)

        return self._once("journeys", compute)

    def target(self) -> str | None:
        """The conversion sales work aims at (module 2's ``target``)."""
        from helpers import funnel

        j = self.journeys()
        if j is None:
            return None
        t = self.target_stage
        return t if t in j.stages else funnel.default_target(j.stages)

    def has_touches(self) -> bool:
        """True when the journeys carry sales touches (activities or aggregates)."""
        from helpers import funnel

        j = self.journeys()
        return j is not None and funnel.has_touch_data(j)

    def speed(self):
        """Module 2's speed-to-lead (``funnel.speed_to_lead``), or None."""
        from helpers import funnel

        def compute():
            j = self._need_touches("speed-to-lead")
            censor = self.params["funnel"].get("censor_days")
            return funnel.speed_to_lead(j, target=self.target(), censor_days=censor)

        return self._once("speed", compute)

    def plateau(self):
        """Module 2's touches plateau (``funnel.find_plateau``), or None."""
        from helpers import funnel

        def compute():
            j = self._need_touches("the touches plateau")
            p = self.params["funnel"]
            curve = funnel.touch_curve(
                j,
                target=self.target(),
                censor_days=p.get("censor_days"),
                max_touches=p.get("max_touches", 15),
            )
            if curve is None or not len(curve) or curve["at_risk"].iloc[0] <= 0:
                raise ValueError("No MQL old enough was worked by sales: no touches plateau.")
            return funnel.find_plateau(curve, min_gain=p.get("min_gain", 0.005))

        return self._once("plateau", compute)

    def plateau_touches(self) -> int | None:
        """The plateau's touch count (None without one)."""
        p = self.plateau()
        return None if p is None else p.touches

    def _need_touches(self, what: str):
        j = self.journeys()
        if j is None:
            raise ValueError(self.why("journeys"))
        if not self.has_touches():
            raise ValueError(
                f"No sales touches in this export (no activities with a team, no "
                f"first_sales_touch_at): {what} is skipped."
            )
        return j

    def low_fit(self):
        """Module 2's low-fit flags and their source sentence (``funnel.low_fit_flags``)."""
        from helpers import funnel

        def compute():
            j = self.journeys()
            if j is None:
                raise ValueError(self.why("journeys"))
            return funnel.low_fit_flags(j, self.data.accounts, self.icp)

        return self._once("low_fit", compute)

    def attribution(self):
        """Module 2's lost-lead attribution (``funnel.attribute_losses``), or None."""
        from helpers import funnel

        def compute():
            j = self.journeys()
            if j is None:
                raise ValueError(self.why("journeys"))
            low, _ = self.low_fit()
            if not (self.has_touches() or bool(low.any())):
                raise ValueError(
                    "No sales touches and no account or title data: lost leads cannot be "
                    "attributed."
                )
            p = self.params["funnel"]
            return funnel.attribute_losses(
                j,
                low_fit=low,
                plateau=self.plateau_touches(),
                sla_hours=p.get("sla_hours", 24.0),
                censor_days=p.get("censor_days"),
            )

        return self._once("attribution", compute)

    def weekly_alerts(self) -> dict | None:
        """Module 2's weekly alerts per transition (``funnel.weekly_alerts_by_transition``)."""
        from helpers import funnel

        def compute():
            j = self.journeys()
            if j is None:
                raise ValueError(self.why("journeys"))
            p = self.params["funnel"]
            return funnel.weekly_alerts_by_transition(
                j,
                p.get("censor_days"),
                window=p.get("alert_window", 8),
                n_sd=p.get("alert_sd", 3.0),
            )

        return self._once("weekly_alerts", compute)

    def conversion(self) -> pd.DataFrame | None:
        """Module 2's censored conversion per transition (``funnel.conversion_table``)."""
        from helpers import funnel

        def compute():
            j = self.journeys()
            if j is None:
                raise ValueError(self.why("journeys"))
            return funnel.conversion_table(j, self.params["funnel"].get("censor_days"))

        return self._once("conversion", compute)

    # ------------------------------------------------------------------ module 03 steps

    def revenue_model(self):
        """Module 3's funnel model (``revenue.try_build_funnel``), or None."""
        from helpers import revenue as rv

        def compute():
            p = self.params["revenue"]
            model, why = rv.try_build_funnel(
                self.data,
                window_months=p.get("rate_window_months", 12),
                run_rate_months=p.get("run_rate_months", 6),
                deal_size_value=p.get("deal_size", 0.0),
            )
            if model is None:
                raise ValueError(why)
            return model

        return self._once("revenue_model", compute)

    def plan(self):
        """Module 3's plan targets (``revenue.plan_targets``), or None."""
        from helpers import revenue as rv

        def compute():
            model = self.revenue_model()
            if model is None:
                raise ValueError(self.why("revenue_model"))
            p = self.params["revenue"]
            return rv.plan_targets(
                self.data.plan,
                model.as_of,
                revenue_plan=p.get("revenue_plan", 0.0),
                trailing_revenue=model.trailing_revenue(12),
                plan_growth=p.get("plan_growth", 0.2),
            )

        return self._once("plan", compute)

    def plan_gap(self) -> pd.DataFrame | None:
        """Module 3's monthly need per stage against the run-rate (``revenue.plan_gap``)."""
        from helpers import revenue as rv

        def compute():
            model, plan = self.revenue_model(), self.plan()
            if model is None or plan is None:
                raise ValueError(self.why("revenue_model", "plan"))
            p = self.params["revenue"]
            return rv.plan_gap(
                plan.targets,
                model.rates,
                model.deal,
                model.current,
                n_draws=p.get("n_draws", 4000),
                seed=p.get("seed", 42),
            )

        return self._once("plan_gap", compute)

    def channels(self) -> pd.DataFrame | None:
        """Module 3's programme investments by channel (``revenue.channel_investments``)."""
        from helpers import revenue as rv

        def compute():
            model = self.revenue_model()
            if model is None:
                raise ValueError(self.why("revenue_model"))
            if not (
                self.data.has("spend", "month", "channel", "amount")
                and self.data.has("leads", "source", "created_at")
            ):
                raise ValueError(
                    "The spend table (month, channel, amount) or leads.source is missing: "
                    "programme investments are skipped."
                )
            return rv.channel_investments(
                model.times,
                self.data.leads,
                self.data.spend,
                model.as_of,
                maturity_months=model.maturity_months,
            )

        return self._once("channels", compute)

    # ------------------------------------------------------------------ module 01 / 04 steps

    def lead_tiers(self) -> pd.Series | None:
        """ICP tier (A-D) of each lead, from ``icp.yml`` (``scoring.icp_tiers_for_leads``)."""
        from helpers import scoring

        def compute():
            if self.icp is None:
                raise ValueError(
                    "No icp.yml in the report: run module 01 to agree the ICP and its tiers."
                )
            tiers = scoring.icp_tiers_for_leads(self.data.leads, self.data.accounts, self.icp)
            if tiers is None:
                raise ValueError("No accounts linked to leads: ICP tiers cannot be assigned.")
            return tiers

        return self._once("lead_tiers", compute)


def read_artifact(folder: Path | None, name: str) -> dict | None:
    """A YAML artifact of the report folder as a dict (None when absent or unreadable)."""
    from helpers.core.report import read_yaml

    if folder is None or not (folder / name).is_file():
        return None
    try:
        value = read_yaml(folder / name)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _with_artifacts(data, params: dict, folder: Path | None) -> MeetingInputs:
    from helpers.core.report import read_summary

    folder = Path(folder) if folder is not None and Path(folder).is_dir() else None
    return MeetingInputs(
        data=data,
        params=params,
        summary=read_summary(folder) if folder is not None else {},
        icp=read_artifact(folder, ICP_FILE),
        mql=read_artifact(folder, MQL_FILE),
        sla=read_artifact(folder, SLA_FILE),
        report_dir=folder,
    )


def inputs_from_report(
    report_dir: str | Path, *, injected: dict[str, dict] | None = None
) -> MeetingInputs:
    """The kit's inputs from a run's report folder: its validated ``tables/`` and artifacts.

    Parameters
    ----------
    report_dir : path-like
        A report folder written by ``alignment-edge run`` (or a run in progress).
    injected : dict, optional
        The parameters the run injected per notebook key (default: ``org.yml``'s).
    """
    from helpers.data import read_tables

    folder = Path(report_dir)
    data = read_tables(folder)
    params = meeting_parameters(data.config.parameters, injected)
    return _with_artifacts(data, params, folder)


def inputs_from_org(
    org_dir: str | Path, *, report_dir: str | Path | None = None, strict: bool = False
) -> MeetingInputs:
    """The kit's inputs from an org folder (loaded and validated, as ``check`` does).

    Artifacts (``icp.yml``, ``sla.yml``, ``summary.json``...) are read from
    ``report_dir`` when it exists - by default the org's ``reports/<org>`` folder.
    """
    from helpers.core import paths
    from helpers.data import load_org

    data = load_org(paths.resolve(org_dir), strict=strict)
    if report_dir is None:
        report_dir = paths.REPORTS / paths.org_slug(data.name)
    params = meeting_parameters(data.config.parameters)
    return _with_artifacts(data, params, Path(report_dir))
