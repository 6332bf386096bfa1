"""Step 6, the MQL threshold: as many MQLs as sales can work, and the cost/benefit cut.

:func:`capacity_threshold` cuts at the share of new leads sales can work each week;
:func:`cost_benefit_threshold` finds the profit-maximising cut on a time-ordered split;
:func:`choose_thresholds` computes both as the notebook shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from helpers.scoring.features import FeatureSet, model_matrix
from helpers.scoring.models import Scorers, _quiet

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult


def leads_per_rep(
    leads_per_rep_per_week: float, touches_per_rep_per_week: float, plateau: float
) -> tuple[float, str]:
    """MQLs one rep can work per week: given, or the rep's weekly touches / the touches plateau."""
    if leads_per_rep_per_week and leads_per_rep_per_week > 0:
        return float(
            leads_per_rep_per_week
        ), f"{leads_per_rep_per_week:g} MQLs per rep per week (given)."
    if not plateau or plateau <= 0 or not touches_per_rep_per_week:
        raise ValueError(
            "Give leads_per_rep_per_week, or touches_per_rep_per_week and a touches plateau."
        )
    v = float(touches_per_rep_per_week) / float(plateau)
    return v, (
        f"{touches_per_rep_per_week:g} touches per rep per week / {plateau:g} touches per MQL "
        f"(the plateau) = {v:.1f} MQLs per rep per week."
    )


def touches_plateau(summary: dict, default: float) -> tuple[float, str]:
    """The touches plateau module 2 recorded in ``summary.json`` (else ``default``)."""
    funnel = summary.get("02_funnel") or {}
    for key in ("touches_plateau", "plateau_touches", "touches_plateau_estimate"):
        v = funnel.get(key)
        if isinstance(v, int | float) and v > 0:
            return float(v), f"touches plateau {v:g} from the funnel module"
    return float(
        default
    ), f"touches plateau {default:g} (parameter; the funnel module recorded none)"


def weekly_lead_inflow(
    created_at: pd.Series, *, as_of: pd.Timestamp | None = None, weeks: int = 13
) -> float:
    """Average number of new leads per week over the last ``weeks`` weeks of data."""
    created = pd.Series(created_at).dropna()
    if created.empty:
        return float("nan")
    end = as_of if as_of is not None else created.max()
    end = min(end, created.max())
    start = end - pd.Timedelta(weeks=weeks)
    span_weeks = min(weeks, max((end - created.min()).days / 7, 1))
    return float(((created > start) & (created <= end)).sum() / span_weeks)


def value_per_conversion(
    labels: LabelResult, opportunities: pd.DataFrame | None, *, lead_col: str = "lead_id"
) -> float:
    """Won revenue per converted lead in the labelled history (NaN without amounts)."""
    if (
        opportunities is None
        or "amount" not in opportunities.columns
        or lead_col not in opportunities.columns
    ):
        return float("nan")
    t = labels.table[labels.table["eligible"] & labels.table["label"].eq(1)]
    won = opportunities[opportunities["outcome"].astype("str").str.lower().eq("won")]
    won = won[won[lead_col].isin(t["lead_id"])]
    if len(t) == 0:
        return float("nan")
    return float(won["amount"].fillna(0).sum() / len(t))


@dataclass
class Threshold:
    """Where to cut the score, and what it means for a week of sales work."""

    method: str
    probability: float
    share_of_leads: float
    weekly_leads: float
    weekly_mqls: float
    conversion_rate: float
    weekly_conversions: float
    weekly_revenue: float
    note: str

    def as_dict(self) -> dict[str, float | str]:
        """Every field, as a table row."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def capacity_threshold(
    p_test: np.ndarray,
    y_test: np.ndarray,
    *,
    weekly_leads: float,
    sales_reps: int,
    leads_per_rep_per_week: float,
    value_per_conversion: float = float("nan"),
) -> Threshold:
    """The score quantile that sends sales exactly as many MQLs per week as it can work.

    Parameters
    ----------
    p_test, y_test : arrays
        Out-of-time (or cross-validated) probabilities and labels.
    weekly_leads : float
        New leads per week (see :func:`weekly_lead_inflow`).
    sales_reps, leads_per_rep_per_week : number
        Sales capacity: how many MQLs the team can give the plateau number of touches.
    """
    if not weekly_leads or not np.isfinite(weekly_leads):
        raise ValueError(
            "The capacity threshold needs the weekly number of new leads (created_at)."
        )
    capacity = float(sales_reps) * float(leads_per_rep_per_week)
    if capacity <= 0:
        raise ValueError("sales_reps and leads_per_rep_per_week must be positive.")
    share = min(1.0, capacity / weekly_leads)
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    thr = float(np.quantile(p, 1 - share)) if share < 1 else float(p.min())
    above = p >= thr
    conv = float(y[above].mean()) if above.any() else float("nan")
    real_share = float(above.mean())
    weekly_mqls = real_share * weekly_leads
    note = (
        f"{sales_reps} reps x {leads_per_rep_per_week:g} leads a week = {capacity:g} MQLs a week, "
        f"out of {weekly_leads:.0f} new leads: the top {share:.0%} by score."
    )
    return Threshold(
        "sales capacity",
        thr,
        real_share,
        weekly_leads,
        weekly_mqls,
        conv,
        weekly_mqls * conv,
        weekly_mqls * conv * value_per_conversion,
        note,
    )


def threshold_at(
    p_test: np.ndarray,
    y_test: np.ndarray,
    probability: float,
    *,
    weekly_leads: float,
    value_per_conversion: float = float("nan"),
    method: str = "cost/benefit",
    note: str = "",
) -> Threshold:
    """What a given probability cut means: MQL share, weekly volume, conversion, revenue."""
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    above = p >= probability
    share = float(above.mean())
    conv = float(y[above].mean()) if above.any() else float("nan")
    weekly_mqls = share * weekly_leads if np.isfinite(weekly_leads) else float("nan")
    return Threshold(
        method,
        float(probability),
        share,
        weekly_leads,
        weekly_mqls,
        conv,
        weekly_mqls * conv,
        weekly_mqls * conv * value_per_conversion,
        note,
    )


def cost_benefit_threshold(
    model: Pipeline,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    *,
    order: np.ndarray | None,
    gain_per_conversion: float,
    cost_per_mql: float,
    validation_share: float = 0.25,
    max_rows: int = 60_000,
) -> tuple[float, pd.DataFrame]:
    """The probability cut that maximises expected profit, tuned with scikit-learn's
    ``TunedThresholdClassifierCV`` on a **time-ordered** split: fitted on the earlier training
    leads, tuned on the latest ``validation_share`` of them (never a shuffled split, which would
    let the future tune the past). Without dates (``order`` None) a stratified split is used.

    Profit of working a lead as an MQL: ``gain_per_conversion`` if it converts, minus
    ``cost_per_mql`` either way.

    Returns
    -------
    (float, DataFrame)
        The threshold and the profit per lead at each candidate threshold.
    """
    from sklearn.base import clone
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    if cost_per_mql <= 0 or not np.isfinite(gain_per_conversion) or gain_per_conversion <= 0:
        raise ValueError("cost_per_mql and the gain per conversion must be positive numbers.")
    n = len(y_train)
    idx = np.arange(n) if order is None else np.asarray(order)
    idx = idx[-max_rows:]
    X, y = X_train.iloc[idx].reset_index(drop=True), np.asarray(y_train)[idx]
    if order is not None:
        n_val = max(1, int(round(validation_share * len(idx))))
        cv = [(np.arange(len(idx) - n_val), np.arange(len(idx) - n_val, len(idx)))]
        refit = False
    else:
        cv = StratifiedKFold(4, shuffle=True, random_state=0)
        refit = True

    def profit(y_true, y_pred):
        tp = np.sum((y_pred == 1) & (y_true == 1))
        worked = np.sum(y_pred == 1)
        return (tp * gain_per_conversion - worked * cost_per_mql) / len(y_true)

    tuner = TunedThresholdClassifierCV(
        clone(model),
        scoring=make_scorer(profit),
        cv=cv,
        refit=refit,
        thresholds=PROFIT_THRESHOLDS,
        store_cv_results=True,
    )
    with _quiet(len(y)):
        tuner.fit(X, y)
    curve = pd.DataFrame(
        {
            "threshold": tuner.cv_results_["thresholds"],
            "profit_per_lead": tuner.cv_results_["scores"],
        }
    )
    return float(tuner.best_threshold_), curve


#: The candidate probability cuts of the cost/benefit tuning.
PROFIT_THRESHOLDS = np.linspace(0.005, 0.95, 190)


def profit_threshold(
    p: np.ndarray,
    y: np.ndarray,
    *,
    gain_per_conversion: float,
    cost_per_mql: float,
    groups: np.ndarray | None = None,
) -> tuple[float, pd.DataFrame]:
    """The profit-maximising cut read from predictions that already exist (no model is fitted).

    ``p`` are honest predictions of leads the model did not learn from (out-of-fold, or a
    held-out slice of the training leads); ``groups`` their fold (profit per lead is averaged
    over folds, as :func:`cost_benefit_threshold` does). A lead is worked when ``p >= cut``.
    """
    if cost_per_mql <= 0 or not np.isfinite(gain_per_conversion) or gain_per_conversion <= 0:
        raise ValueError("cost_per_mql and the gain per conversion must be positive numbers.")
    p, y = np.asarray(p, dtype="float64"), np.asarray(y).astype(int)
    groups = np.zeros(len(y), int) if groups is None else np.asarray(groups)
    per_group = []
    for g in np.unique(groups):
        pg, yg = p[groups == g], y[groups == g]
        worked = pg[None, :] >= PROFIT_THRESHOLDS[:, None]
        tp = (worked & (yg[None, :] == 1)).sum(axis=1)
        profit = tp * gain_per_conversion - worked.sum(axis=1) * cost_per_mql
        per_group.append(profit / len(yg))
    scores = np.mean(per_group, axis=0)
    curve = pd.DataFrame({"threshold": PROFIT_THRESHOLDS, "profit_per_lead": scores})
    return float(PROFIT_THRESHOLDS[int(np.argmax(scores))]), curve


@dataclass
class Thresholds:
    """The capacity and cost/benefit cuts, and the one the MQL flag uses."""

    capacity: Threshold | None
    cost_benefit: Threshold | None
    profit_curve: pd.DataFrame | None
    chosen: Threshold
    value_per_conversion: float
    notes: list[str]

    @property
    def table(self) -> pd.DataFrame:
        """The cuts computed side by side: capacity, cost/benefit and, when neither could be
        computed, the default cut that is used (one row each)."""
        cuts = [t for t in (self.capacity, self.cost_benefit) if t is not None]
        if not any(t is self.chosen for t in cuts):
            cuts.append(self.chosen)
        cols = [
            "method",
            "probability",
            "share_of_leads",
            "weekly_mqls",
            "conversion_rate",
            "weekly_conversions",
            "weekly_revenue",
        ]
        return pd.DataFrame(
            [t.as_dict() for t in cuts], columns=list(Threshold.__dataclass_fields__)
        )[cols]


def choose_thresholds(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    opportunities: pd.DataFrame | None,
    *,
    summary: dict,
    sales_reps: int,
    leads_per_rep_per_week: float,
    touches_per_rep_per_week: float,
    touches_plateau_default: float,
    weekly_leads: float = 0,
    cost_per_mql: float = 300,
    gross_margin: float = 0.7,
    default_share: float = 0.2,
) -> Thresholds:
    """The MQL cut from sales capacity (used) and from cost/benefit (shown beside it).

    Capacity: ``sales_reps`` x MQLs per rep per week (given, or the rep's weekly touches / the
    touches plateau of module 2) against the weekly inflow of new leads (``weekly_leads``, else
    measured from ``created_at``). Cost/benefit: the profit-maximising cut tuned on a
    time-ordered split (see :func:`cost_benefit_threshold`), with the gain per conversion = won
    revenue per converted lead x gross margin. Where the data lacks what a cut needs, the
    defaults follow in this order and the notes say which was used: the capacity cut; without
    a weekly inflow (no dates and no ``weekly_leads``), the cost/benefit cut; without deal
    amounts either, the top ``default_share`` of leads.
    """
    p, y = scorers.predictions[scorers.best], scorers.y_test
    value = value_per_conversion(labels, opportunities)
    weekly = (
        float(weekly_leads)
        if weekly_leads and weekly_leads > 0
        else weekly_lead_inflow(labels.table["created_at"], as_of=labels.as_of)
    )
    plateau = touches_plateau(summary, touches_plateau_default)
    cap, notes = _capacity_cut(
        p, y, weekly, sales_reps, leads_per_rep_per_week, touches_per_rep_per_week, plateau, value
    )
    cost, curve = None, None
    margin = gross_margin
    if (
        opportunities is not None
        and "gross_margin" in opportunities.columns
        and opportunities["gross_margin"].notna().any()
    ):
        margin = float(opportunities["gross_margin"].mean())
    if np.isfinite(value) and value > 0:
        cost, curve = _cost_benefit_cut(scorers, fs, labels, weekly, value, margin, cost_per_mql)
        notes.append(
            f"Cost/benefit: work a lead when its probability is at least {cost.probability:.2f} "
            f"({cost.note}); {_tuned_on(scorers)}."
        )
    else:
        notes.append("No deal amounts: the cost/benefit cut is skipped.")
    chosen = cap
    if chosen is None and cost is not None:
        chosen = cost
        notes.append(
            "No creation dates and no weekly_leads parameter: the sales-capacity cut cannot be "
            "computed, so the cost/benefit cut sets the MQLs (give weekly_leads to use capacity)."
        )
    elif chosen is None:
        chosen = threshold_at(
            p,
            y,
            float(np.quantile(p, 1 - default_share)),
            weekly_leads=weekly,
            value_per_conversion=value,
            method=f"top {default_share:.0%}",
        )
        notes.append(
            "No creation dates, no weekly_leads parameter and no deal amounts: neither the "
            f"capacity nor the cost/benefit cut can be computed, so the top {default_share:.0%} "
            "of leads are MQLs (give weekly_leads to use sales capacity)."
        )
    return Thresholds(cap, cost, curve, chosen, value, notes)


def _capacity_cut(
    p: np.ndarray,
    y: np.ndarray,
    weekly: float,
    sales_reps: int,
    leads_per_rep_per_week: float,
    touches_per_rep_per_week: float,
    plateau: tuple[float, str],
    value: float,
) -> tuple[Threshold | None, list[str]]:
    """The sales-capacity cut and its notes (None without a weekly inflow of new leads)."""
    if not (np.isfinite(weekly) and weekly > 0):
        return None, []
    plateau_touches, plateau_note = plateau
    per_rep, rep_note = leads_per_rep(
        leads_per_rep_per_week, touches_per_rep_per_week, plateau_touches
    )
    cap = capacity_threshold(
        p,
        y,
        weekly_leads=weekly,
        sales_reps=sales_reps,
        leads_per_rep_per_week=per_rep,
        value_per_conversion=value,
    )
    notes = [
        rep_note if leads_per_rep_per_week else f"{rep_note} Plateau: {plateau_note}.",
        cap.note,
    ]
    return cap, notes


def _cost_benefit_cut(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    weekly: float,
    value: float,
    margin: float,
    cost_per_mql: float,
) -> tuple[Threshold, pd.DataFrame]:
    """The profit-maximising cut, tuned on the training leads in time order, and its curve."""
    p, y = scorers.predictions[scorers.best], scorers.y_test
    honest = _honest_predictions(scorers, labels)
    if honest is not None:  # predictions that exist already: no model is refitted to tune
        p_h, y_h, groups = honest
        prob, curve = profit_threshold(
            p_h, y_h, gain_per_conversion=value * margin, cost_per_mql=cost_per_mql, groups=groups
        )
    else:
        prob, curve = _tuned_cut(scorers, fs, labels, value * margin, cost_per_mql)
    cost = threshold_at(
        p,
        y,
        prob,
        weekly_leads=weekly,
        value_per_conversion=value,
        note=f"gain {value * margin:,.0f} per conversion vs {cost_per_mql:,.0f} per MQL worked",
    )
    return cost, curve


def _tuned_on(scorers: Scorers) -> str:
    """Which leads tuned the cost/benefit cut, in words."""
    if scorers.split.folds is not None:
        return (
            "tuned on the cross-validation's out-of-fold predictions (each lead scored by a "
            "model that did not see it)"
        )
    return "tuned on the latest training leads, never on the test period"


def _honest_predictions(
    scorers: Scorers, labels: LabelResult
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """The best model's predictions of leads it did not learn from, when they exist: the
    out-of-fold predictions (cross-validation, with each lead's fold) or the learning curve's
    validation slice (the latest training leads). None otherwise."""
    split = scorers.split
    if split.folds is not None:
        groups = np.concatenate([np.full(len(te), i) for i, (_, te) in enumerate(split.folds)])
        return scorers.predictions[scorers.best], scorers.y_test, groups
    curve = scorers.curve
    if curve is not None and scorers.best == "gradient boosting":
        return curve.validation_p, labels.table["label"].to_numpy()[curve.validation], None
    return None


def _tuned_cut(
    scorers: Scorers, fs: FeatureSet, labels: LabelResult, gain: float, cost_per_mql: float
) -> tuple[float, pd.DataFrame]:
    """:func:`cost_benefit_threshold` on the training leads in time order (a clone of the best
    model fitted on the earlier ones, tuned on the latest)."""
    X = model_matrix(fs, fs.numeric, fs.categorical)
    ytr = labels.table["label"].to_numpy()[scorers.split.train]
    order = None
    if scorers.split.kind == "out-of-time":
        created = labels.table["created_at"].to_numpy()[scorers.split.train]
        created = np.where(pd.isna(created), np.nanmin(created), created)  # undated: earliest
        order = np.argsort(created, kind="stable")
    return cost_benefit_threshold(
        scorers.best_model,
        X.iloc[scorers.split.train],
        ytr,
        order=order,
        gain_per_conversion=gain,
        cost_per_mql=cost_per_mql,
    )
