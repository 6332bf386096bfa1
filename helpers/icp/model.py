"""Step 3 of the ICP: the fitted model, its readable rule, buyer profile and tier cut-offs.

:func:`fit_icp` runs the rule search (:func:`helpers.icp.search.select_segment_splits`)
on the dimensions of :func:`default_model_dimensions` and turns the kept winning sets into
:class:`Condition` objects (the rule), a buyer profile and an account fit model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.icp.bands import band_bounds, band_labels, format_edge
from helpers.icp.inputs import IcpInputs
from helpers.icp.labels import (
    DIMENSION_LABELS,
    PERSONA,
    SENIORITIES,
    dimension_label,
    label_codes,
    label_isin,
    label_values,
)
from helpers.icp.search import SegmentSplit, select_segment_splits
from helpers.icp.segments import design_labels


@dataclass
class Condition:
    """One condition of the ICP rule: ``dimension`` in ``segments``."""

    dimension: str
    segments: list[str]
    text: str
    low: float | None = None
    high: float | None = None
    codes: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The condition as plain data (``dimension, label, segments, text``, ``range``, ``codes``)."""
        d = {
            "dimension": self.dimension,
            "label": dimension_label(self.dimension),
        }
        d.update({"segments": list(self.segments), "text": self.text})
        if self.low is not None or self.high is not None:
            d["range"] = [self.low, self.high]
        if self.codes is not None:
            d["codes"] = list(self.codes)
        return d


@dataclass
class IcpModel:
    """The fitted ICP: segment effects, the readable rule, buyer profile and tiers.

    Attributes
    ----------
    intercept : float
        Log-odds of winning for an account at the baseline of every dimension
        (buyer effects averaged in, so it scores accounts alone).
    coefficients : dict
        Firmographic dimension -> segment -> log-odds effect (0 when not kept).
    persona_effects : dict
        Buyer dimension -> segment -> log-odds effect.
    conditions : list of Condition
        The ICP rule (all must hold).
    personas : dict
        Buyer dimension -> segments that win above average.
    kept : dict
        Unordered dimension -> segments large enough to stand alone (others pool).
    overall_win_rate : float
    tier_lifts : dict
        Tier -> minimum fit score as a multiple of the overall win rate.
    evidence : dict
        Dimension -> winning ``segments``, ``log_odds`` effect, ``std_error``,
        ``odds_ratio``, score ``statistic``, the ``threshold`` it beat (Holm level)
        and its ``p_value`` (search-corrected).
    industry_dimension : str or None
    edges : dict
        Band edges used (to score new accounts the same way).
    deal_effects : dict
        Dimension known per deal or lead only (a declared attribute of the deal rows,
        firmographics of a one-row-per-deal export) -> segment -> log-odds effect.
    deal_means : dict
        Their average effect over the closed outcomes, already in ``intercept``: a row
        that carries the dimension is scored with its effect minus this average.
    attributes : dict
        Declared attributes segmented (name -> ``Attribute.to_dict()``), to segment
        new rows the same way.
    """

    intercept: float
    coefficients: dict[str, dict[str, float]]
    persona_effects: dict[str, dict[str, float]]
    conditions: list[Condition]
    personas: dict[str, list[str]]
    kept: dict[str, list[str]]
    overall_win_rate: float
    tier_lifts: dict[str, float]
    evidence: dict[str, dict[str, Any]]
    industry_dimension: str | None
    edges: dict[str, list[float]]
    deal_effects: dict[str, dict[str, float]] = field(default_factory=dict)
    deal_means: dict[str, float] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rule_text(self) -> str:
        """The rule as one sentence ("Industry in {...} and Employees 201-1,000")."""
        if not self.conditions:
            return "No segment wins clearly above the others: no ICP rule."
        return " and ".join(c.text for c in self.conditions)

    @property
    def tier_cutoffs(self) -> dict[str, float]:
        """Tier -> minimum fit score (predicted win rate), D has 0."""
        cut = {t: min(1.0, self.overall_win_rate * self.tier_lifts[t]) for t in ("A", "B", "C")}
        cut["D"] = 0.0
        return cut


def _condition(
    dim: str, segments: list[str], edges: dict[str, list[float]], order: list[str] | None = None
) -> Condition:
    """A winning set as a rule condition: a band range ("Employees 201-1,000") or a list.

    ``order`` is the label order of an ordered dimension (text bands, numeric
    attributes): its segments are listed in that order, and the range read from the
    first and last labels' bounds (:func:`~helpers.icp.bands.band_bounds`).
    """
    label = dimension_label(dim)
    src = {
        "employee_band": ("employees", False),
        "revenue_band": ("annual_revenue", True),
        "locations_band": ("locations", False),
    }
    if dim in src and set(segments) <= set(band_labels(edges[src[dim][0]], src[dim][1])):
        key, money = src[dim]
        e = edges[key]
        labels = band_labels(e, money)
        idx = sorted(labels.index(s) for s in segments)
        if idx == list(range(idx[0], idx[-1] + 1)):
            low = e[idx[0]] if idx[0] > 0 or e[0] > 0 else None
            high = e[idx[-1] + 1] if idx[-1] + 1 < len(e) else None
            if low is None and high is not None:
                text = f"{label} under {format_edge(high, money)}"
            elif high is None:
                text = f"{label} {format_edge(low, money)}+"
            elif money:
                text = f"{label} {format_edge(low, money)}-{format_edge(high, money)}"
            else:
                text = f"{label} {format_edge(low, money)}-{format_edge(high - 1, money)}"
            return Condition(dim, [labels[i] for i in idx], text, low, high)
    codes = low = high = None
    if dim == "sic_major_group":
        codes = sorted(s.split(" ", 1)[0] for s in segments)
    if dim == "seniority":
        segments = [s for s in SENIORITIES if s in segments]
    elif order:
        segments = [s for s in order if s in segments]
        low, high = band_bounds(segments[0])[0], band_bounds(segments[-1])[1]
    else:
        segments = sorted(segments)
    text = (
        f"{label} in {{{', '.join(segments)}}}" if len(segments) > 1 else f"{label} = {segments[0]}"
    )
    return Condition(dim, segments, text, low, high, codes=codes)


def condition_mask(df: pd.DataFrame, conditions: list[Condition] | list[dict]) -> pd.Series:
    """True for rows (deals, leads or accounts) meeting every condition of a rule."""
    mask = pd.Series(True, index=df.index)
    for c in conditions:
        c = c.to_dict() if isinstance(c, Condition) else c
        if c["dimension"] not in df:
            return pd.Series(False, index=df.index)
        mask &= label_isin(df[c["dimension"]], c["segments"])
    return mask


def default_model_dimensions(inputs: IcpInputs) -> list[str]:
    """Dimensions the ICP model weighs: industry, one size measure, one place, the buyer.

    Revenue and sites grow with headcount, so the model takes one size measure
    (employees, else annual revenue, else sites) rather than letting correlated
    measures split one effect; the segment tables still show all three. Likewise
    region, else country. Declared attributes (``inputs.extra``) all enter.
    """
    size = next(
        (d for d in ("employee_band", "revenue_band", "locations_band") if d in inputs.dimensions),
        None,
    )
    place = next((d for d in ("region", "country") if d in inputs.dimensions), None)
    dims = [d for d in (inputs.industry_dimension, size, place) if d]
    return dims + inputs.extra + inputs.persona


def fit_icp(
    inputs: IcpInputs,
    *,
    min_n: int = 30,
    max_conditions: int = 3,
    tier_lifts: tuple[float, float, float] = (1.25, 1.0, 0.75),
    alpha: float = 0.10,
    seed: int = 42,
    dimensions: list[str] | None = None,
) -> IcpModel:
    """Fit the ICP: which segments win, a readable rule, the buyer profile and tier cut-offs.

    Parameters
    ----------
    inputs : IcpInputs
        From :func:`prepare_icp`.
    min_n : int
        Minimum closed outcomes for a segment to count (smaller ones are pooled).
    max_conditions : int
        At most this many conditions in the rule (the strongest).
    tier_lifts : (float, float, float)
        Minimum predicted win rate of tiers A, B, C as multiples of the overall
        win rate; the rest is D.
    alpha : float
        Family-wise significance: the chance that the ICP names any dimension
        that has no effect at all stays below it (Holm). 0.10 by default: an
        exploratory choice, where missing a real ICP dimension costs about as much
        as naming a spurious one.
    seed : int
        Seed of the significance simulation (42, the notebooks' default, so a
        refit elsewhere gives module 1's answer).
    dimensions : list of str, optional
        Dimensions to model; by default :func:`default_model_dimensions`.

    Returns
    -------
    IcpModel

    Notes
    -----
    See :func:`select_segment_splits`: one "winning set" per dimension, kept only when
    it beats chance, all estimated together (overlapping dimensions such as employees and
    revenue do not both claim one effect). The rule joins the winning sets of firmographics
    and declared attributes by "and"; the buyer's (seniority, function or raw title) form
    the persona.
    """
    deals = inputs.deals
    if dimensions is None:
        dimensions = default_model_dimensions(inputs)
    dimensions = [d for d in dimensions if deals[d].nunique(dropna=False) > 1]
    intercept, splits, effects, errors, kept = select_segment_splits(
        deals, dimensions, min_n=min_n, alpha=alpha, seed=seed
    )
    persona = [d for d in dimensions if d in PERSONA]
    profile = [d for d in dimensions if d not in PERSONA]
    labels = design_labels(deals, dimensions, kept)
    account = [d for d in profile if inputs.level(d) == "account"]
    deal = [d for d in profile if d not in account]
    coefficients = _segment_effects(labels, account, splits, effects)
    persona_effects = _segment_effects(labels, persona, splits, effects)
    deal_effects = _segment_effects(labels, deal, splits, effects)
    account_intercept, deal_means = _account_intercept(
        intercept, labels, persona_effects, deal_effects
    )
    return IcpModel(
        intercept=float(account_intercept),
        coefficients=coefficients,
        persona_effects=persona_effects,
        conditions=_rule_conditions(splits, inputs.edges, max_conditions, _orders(deals, profile)),
        personas={d: (list(splits[d].segments) if d in splits else []) for d in persona},
        kept=kept,
        overall_win_rate=float(deals["won"].astype(bool).mean()),
        tier_lifts=dict(zip(("A", "B", "C"), (float(x) for x in tier_lifts))),
        evidence=_split_evidence(splits, effects, errors),
        industry_dimension=inputs.industry_dimension,
        edges=inputs.edges,
        deal_effects=deal_effects,
        deal_means=deal_means,
        attributes={d: a.to_dict() for d, a in inputs.attributes.items()},
    )


def _account_intercept(
    intercept: float,
    labels: pd.DataFrame,
    persona_effects: dict[str, dict[str, float]],
    deal_effects: dict[str, dict[str, float]],
) -> tuple[float, dict[str, float]]:
    """The intercept that scores accounts, and the average effect of each deal-level dimension.

    Buyer effects (and those of attributes known per deal) are averaged in: accounts are
    scored without knowing who will buy, or how.
    """
    deal_means = {d: float(label_values(labels[d], e).mean()) for d, e in deal_effects.items()}
    account_intercept = intercept + sum(deal_means.values())
    for d, e in persona_effects.items():
        account_intercept += float(label_values(labels[d], e).mean())
    return float(account_intercept), deal_means


def _orders(deals: pd.DataFrame, dims: list[str]) -> dict[str, list[str]]:
    """The label order of every ordered dimension among ``dims`` (bands, declared orders)."""
    return {
        d: [str(c) for c in deals[d].cat.categories]
        for d in dims
        if isinstance(deals[d].dtype, pd.CategoricalDtype) and deals[d].dtype.ordered
    }


def _segment_effects(
    labels: pd.DataFrame,
    dims: list[str],
    splits: dict[str, SegmentSplit],
    effects: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Dimension -> segment -> log-odds effect: the set's effect inside its winning set, else 0."""
    out = {}
    for d in dims:
        b = effects.get(d, 0.0)
        segs = splits[d].segments if d in splits else []
        levels = sorted(set(label_codes(labels[d])[1]))
        out[d] = {lv: (b if lv in segs else 0.0) for lv in levels}
    return out


def _rule_conditions(
    splits: dict[str, SegmentSplit],
    edges: dict[str, list[float]],
    max_conditions: int,
    orders: dict[str, list[str]] | None = None,
) -> list[Condition]:
    """The strongest winning sets beyond the buyer (at most ``max_conditions``), in order."""
    orders = orders or {}
    chosen = sorted((d for d in splits if d not in PERSONA), key=lambda d: -splits[d].statistic)[
        :max_conditions
    ]
    order = {d: i for i, d in enumerate(DIMENSION_LABELS)}
    return [
        _condition(d, splits[d].segments, edges, orders.get(d))
        for d in sorted(chosen, key=lambda d: order.get(d, 99))
    ]


def _split_evidence(
    splits: dict[str, SegmentSplit], effects: dict[str, float], errors: dict[str, float]
) -> dict[str, dict[str, Any]]:
    """Per kept dimension: its winning segments, effect, standard error, test and p-value."""
    return {
        d: {
            "segments": list(sp.segments),
            "log_odds": effects[d],
            "std_error": errors[d],
            "odds_ratio": math.exp(effects[d]),
            "statistic": sp.statistic,
            "threshold": sp.threshold,
            "p_value": sp.p_value,
        }
        for d, sp in splits.items()
    }
