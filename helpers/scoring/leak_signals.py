"""The independent leak signals, each computed per field with its evidence in words.

A single-field AUC line catches only the crudest leak: a sales-entered status with one level
that is (nearly) always converted, a rating typed in after the call, the number of stage changes
so far - each predicts well but not perfectly, and each is known only after sales worked the
lead. :mod:`helpers.scoring.leakage` combines these signals into a verdict:

* :func:`single_auc_signal` - the field alone ranks converters almost perfectly;
* :func:`after_moment_signal` - a dated field recorded after the scoring moment;
* :func:`near_pure_signal` - a level converting (nearly) always or never while the overall rate
  is moderate, covering a material share of the conversions (or of the others);
* :func:`missingness_signal` - filled mostly for converted (or mostly for lost) leads;
* :func:`progress_signal` - a process-progress field, by name
  (:data:`helpers.scoring.field_rules.PROGRESS_NAMES`) or by value (a number that keeps growing
  with the lead's age at the export);
* :func:`contribution_signals` - a field whose permutation AUC loss in a cross-validated model
  is far above every other field's, or that alone ranks almost as well as all fields together.

Each signal returns ``None`` or a :class:`Signal`: its name, whether it is *strong* (enough to
exclude the field) or *weak* (a warning; two weak signals exclude), and one sentence of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from helpers.core.stats import wilson_interval
from helpers.scoring.field_rules import progress_name

#: The signals in the order the report lists them.
SIGNAL_NAMES = (
    "single-field AUC",
    "recorded after the scoring moment",
    "near-pure levels",
    "outcome-related missingness",
    "process progress",
    "outsized contribution",
    "implausible accuracy",
)


@dataclass(frozen=True)
class LeakRules:
    """The documented lines of the leak signals (each can be changed per call).

    Attributes
    ----------
    max_single_auc : float
        A field that alone ranks converters better than this is excluded.
    max_after_share : float
        A dated field recorded after the scoring moment for more than this share is excluded.
    pure_ratio : float
        A level is near-pure when its rate of non-conversion (near 100%) or of conversion
        (near 0%) is at most this share of the overall one, and its Wilson interval agrees.
    min_level_leads : int
        A level needs at least this many leads to count.
    min_covered : float
        ... and must cover at least this share of the conversions (near 100%) or of the other
        leads (near 0%).
    never_expected : float
        A near-0% level with no conversion at all, where at least this many were expected at
        the overall rate, is a strong signal.
    moderate_rate : (float, float)
        Near-pure levels are judged only when the overall rate lies in this range.
    fill_gap, fill_ratio : float
        Missingness, strong: the fill rates of converted and other leads differ by at least
        ``fill_gap`` and the lower is at most ``fill_ratio`` times the higher (a field filled
        for one outcome and hardly ever for the other).
    weak_fill_gap, weak_fill_ratio : float
        Missingness, a warning: the same with these looser lines.
    lopsided_fill_gap : float
        Missingness, a warning too: filled at least ``1 / fill_ratio`` times as often for one
        outcome, with a gap of at least this (a term typed in for a minority of the deals).
    age_correlation : float
        Progress by value: absolute Spearman correlation with the lead's age at the export,
        among leads that did not convert.
    outsized_ratio, outsized_min_loss : float
        Outsized contribution: permutation AUC loss at least ``outsized_min_loss`` and at least
        ``outsized_ratio`` times every other field's.
    close_to_full, strong_model : float
        ... or single-field AUC within ``close_to_full`` of the full model's; either only when
        the cross-validated model reaches ``strong_model``.
    max_plausible_auc : float
        Lead scores built only on pre-contact data rarely pass this validated ROC AUC.
    """

    max_single_auc: float = 0.95
    max_after_share: float = 0.5
    pure_ratio: float = 0.1
    min_level_leads: int = 30
    min_covered: float = 0.1
    never_expected: float = 15.0
    moderate_rate: tuple[float, float] = (0.03, 0.97)
    fill_gap: float = 0.4
    fill_ratio: float = 0.25
    weak_fill_gap: float = 0.25
    weak_fill_ratio: float = 0.5
    lopsided_fill_gap: float = 0.15
    age_correlation: float = 0.3
    outsized_ratio: float = 5.0
    outsized_min_loss: float = 0.05
    close_to_full: float = 0.03
    strong_model: float = 0.85
    max_plausible_auc: float = 0.90


@dataclass(frozen=True)
class Signal:
    """One leak signal that fired for one field."""

    name: str
    strong: bool
    evidence: str


def single_auc_signal(auc: float, rules: LeakRules) -> Signal | None:
    """The field alone predicts conversion almost perfectly."""
    if np.isfinite(auc) and auc > rules.max_single_auc:
        return Signal(
            "single-field AUC",
            True,
            f"alone predicts conversion almost perfectly (AUC {auc:.2f}, line "
            f"{rules.max_single_auc:.2f})",
        )
    return None


def after_moment_signal(share: float, rules: LeakRules) -> Signal | None:
    """A dated field filled after the scoring moment for most leads."""
    if pd.notna(share) and share > rules.max_after_share:
        return Signal(
            "recorded after the scoring moment",
            True,
            f"recorded after the scoring moment for {share:.0%} of leads (dates prove it)",
        )
    return None


def _level_counts(s: pd.Series, y: np.ndarray) -> pd.DataFrame:
    """Leads (``size``) and conversions (``sum``) of each level, by level name (sorted).

    Levels: text, or a yes/no flag; for other numbers only whether the value is missing (their
    low or high end may honestly convert almost never or always), the filled ones named "".
    Each distinct value is named once, then counted (fast on a million leads).
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.nunique() > 2:
        codes, names = s.isna().to_numpy().astype(int), ["", "(missing)"]
    else:
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        codes, uniques = pd.factorize(s)
        names = [f"{v:g}" if numeric else str(v) for v in uniques] + ["(missing)"]
        codes = np.where(codes < 0, len(names) - 1, codes)
    k = len(names)
    g = pd.DataFrame(
        {
            "v": pd.Series(names, dtype=object),
            "size": np.bincount(codes, minlength=k),
            "sum": np.bincount(codes, weights=np.asarray(y, dtype="float64"), minlength=k),
        }
    )
    g = g[g["size"] > 0].groupby("v")[["size", "sum"]].sum()
    return g


def _filled(s: pd.Series) -> np.ndarray:
    """Whether each value is filled: set and, for a number or yes/no flag, not zero."""
    filled = s.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        filled = filled & (s.fillna(0).to_numpy(dtype="float64") != 0)
    return filled


def near_pure_signal(s: pd.Series, y: np.ndarray, rules: LeakRules) -> Signal | None:
    """A level converting (nearly) always or never while the overall rate is moderate.

    Levels are the values of a text field or yes/no flag, and "(missing)" for any field.

    With overall rate ``p``, a level of at least ``min_level_leads`` leads is *near 100%*
    when its share of non-conversions is at most ``pure_ratio`` times ``1 - p`` (its Wilson
    interval within a quarter of it) and it holds at least ``min_covered`` of all conversions:
    a strong signal. It is *near 0%* when its rate is at most ``pure_ratio`` times ``p`` (Wilson
    upper bound under a quarter of ``p``) and it holds at least ``min_covered`` of the other
    leads: a warning only, since a junk channel can honestly convert almost never - unless the
    level *never* converts although ``never_expected`` conversions would be expected at the
    overall rate (a value written when the lead was lost or disqualified): strong.
    """
    base = float(np.mean(y))
    lo_rate, hi_rate = rules.moderate_rate
    if not lo_rate <= base <= hi_rate:
        return None
    g = _level_counts(s, y)
    g = g[(g["size"] >= rules.min_level_leads) & (g.index != "")]
    n_pos, n_neg = float(np.sum(y)), float(len(y) - np.sum(y))
    high, never, low = [], [], []
    for level, r in g.iterrows():
        k, n = float(r["sum"]), float(r["size"])
        lo, hi = (float(v) for v in wilson_interval(k, n))
        near_all = 1 - k / n <= rules.pure_ratio * (1 - base) and 1 - lo <= 0.25 * (1 - base)
        if near_all and k / n_pos >= rules.min_covered:
            high.append(
                f"'{level}' converts {k / n:.0%} of {n:.0f} leads ({k / n_pos:.0%} of all "
                f"conversions) against {base:.0%} overall"
            )
        covers_others = (n - k) / n_neg >= rules.min_covered
        if k == 0 and n * base >= rules.never_expected and covers_others:
            never.append(
                f"'{level}' never converts: 0 of {n:.0f} leads, where {n * base:.0f} would at "
                f"the overall {base:.0%}"
            )
        elif k / n <= rules.pure_ratio * base and hi <= 0.15 * base and covers_others:
            low.append(
                f"'{level}' converts {k / n:.1%} of {n:.0f} leads against {base:.0%} overall"
            )
    if not high and not never and not low:
        return None
    return Signal("near-pure levels", bool(high or never), "; ".join(high + never + low))


def missingness_signal(s: pd.Series, y: np.ndarray, rules: LeakRules) -> Signal | None:
    """Filled mostly for converted leads (or mostly for the others).

    A number or yes/no flag counts as filled when it is set and not zero (a call duration of
    0, a "budget confirmed" left unticked). Strong when the fill rates differ by ``fill_gap``
    and the lower is at most ``fill_ratio`` times the higher; a warning with the looser
    ``weak_fill_gap`` / ``weak_fill_ratio``, or when one outcome has it filled four times as
    often with a gap of ``lopsided_fill_gap`` (an honest field, such as a web-analytics channel
    recorded only for web applicants, can be filled more often for one outcome).
    """
    filled = _filled(s)
    if filled.all() or not filled.any():
        return None
    fp, fn = float(filled[y == 1].mean()), float(filled[y == 0].mean())
    hi, lo = max(fp, fn), min(fp, fn)
    weak = hi - lo >= rules.weak_fill_gap and lo <= rules.weak_fill_ratio * hi
    lopsided = hi - lo >= rules.lopsided_fill_gap and lo <= rules.fill_ratio * hi
    if not (weak or lopsided):
        return None
    who = "converted leads" if fp > fn else "leads that did not convert"
    return Signal(
        "outcome-related missingness",
        hi - lo >= rules.fill_gap and lo <= rules.fill_ratio * hi,
        f"filled{' (not zero)' if _is_number(s) else ''} for {fp:.0%} of converted leads but "
        f"{fn:.0%} of the others: filled mostly for {who}",
    )


def _is_number(s: pd.Series) -> bool:
    """A numeric (or yes/no) field."""
    return bool(pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


def fill_rates(s: pd.Series, y: np.ndarray) -> tuple[float, float]:
    """Share of converted and of other leads for which the field is filled (see
    :func:`missingness_signal`)."""
    filled = _filled(s)
    pos, neg = y == 1, y == 0
    return (
        float(filled[pos].mean()) if pos.any() else float("nan"),
        float(filled[neg].mean()) if neg.any() else float("nan"),
    )


def age_correlation(s: pd.Series, y: np.ndarray, age_days: np.ndarray | None) -> float:
    """Spearman correlation of a number with the lead's age at the export, among leads that did
    not convert (NaN without ages or for text)."""
    if age_days is None or not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return float("nan")
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    ok = (y == 0) & np.isfinite(v) & np.isfinite(age_days)
    if ok.sum() < 30 or np.unique(v[ok]).size < 3:
        return float("nan")
    return float(spearmanr(v[ok], age_days[ok]).statistic)


def progress_signal(name: str, rho: float, rules: LeakRules) -> Signal | None:
    """A process-progress field: by name (strong) or by value (a warning)."""
    kind = progress_name(name)
    if kind is not None:
        return Signal(
            "process progress",
            True,
            f"its name says it is a process-progress field ({kind}): it changes as sales works "
            "the lead",
        )
    if np.isfinite(rho) and abs(rho) >= rules.age_correlation:
        return Signal(
            "process progress",
            False,
            f"its values keep {'growing' if rho > 0 else 'falling'} with the lead's age at the "
            f"export (Spearman {rho:+.2f} among leads that did not convert): a snapshot, not a "
            "value known at the scoring moment",
        )
    return None


@dataclass
class Contribution:
    """A cross-validated model on the candidate fields: its AUC and each field's share."""

    cv_auc: float
    loss: dict[str, float]
    rows: int
    folds: int


def permutation_contribution(
    X: pd.DataFrame,
    y: np.ndarray,
    make_model,
    *,
    seed: int = 0,
    max_rows: int = 20_000,
    folds: int = 3,
) -> Contribution | None:
    """Cross-validated ROC AUC of a model on every column of ``X``, and each column's
    permutation AUC loss (shuffled within each held-out fold).

    Returns None when there are too few leads of either kind to cross-validate.
    """
    from helpers.scoring.models import _fit_quiet, predict_proba

    y = np.asarray(y).astype(int)
    rng = np.random.default_rng(seed)
    if len(y) > max_rows:
        keep = np.sort(rng.choice(len(y), max_rows, replace=False))
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    k = int(min(folds, np.bincount(y, minlength=2).min()))
    if k < 2 or X.shape[1] == 0:
        return None
    oof = np.empty(len(y))
    perm = {c: np.empty(len(y)) for c in X.columns}
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
        model = _fit_quiet(make_model(), X.iloc[tr], y[tr])
        test = X.iloc[te].reset_index(drop=True)
        oof[te] = predict_proba(model, test)
        # every field shuffled in its own copy of the held-out leads, scored in one pass
        copies = []
        for c in X.columns:
            shuffled = test.copy()
            shuffled[c] = rng.permutation(shuffled[c].to_numpy())
            copies.append(shuffled)
        p = predict_proba(model, pd.concat(copies, ignore_index=True)).reshape(len(copies), -1)
        for c, row in zip(X.columns, p):
            perm[c][te] = row
    full = float(roc_auc_score(y, oof))
    loss = {c: full - float(roc_auc_score(y, p)) for c, p in perm.items()}
    return Contribution(full, loss, len(y), k)


def contribution_signals(
    contrib: Contribution, single: dict[str, float], rules: LeakRules
) -> dict[str, Signal]:
    """Warnings for fields whose contribution to a strong cross-validated model is outsized.

    Only a model reaching ``strong_model`` is judged: one honest field dominating a modest
    model (a lead source in an export with little else) is no sign of a leak.
    """
    out: dict[str, Signal] = {}
    losses = contrib.loss
    if contrib.cv_auc < rules.strong_model or len(losses) < 2:
        return out
    for c, loss in losses.items():
        top_other = max(max(v for k, v in losses.items() if k != c), 0.0)
        if loss >= rules.outsized_min_loss and loss >= rules.outsized_ratio * top_other:
            out[c] = Signal(
                "outsized contribution",
                False,
                f"carries most of what a cross-validated model learns: shuffling it costs "
                f"{loss:.2f} AUC, against at most {top_other:.2f} for any other field",
            )
            continue
        auc = single.get(c, np.nan)
        if np.isfinite(auc) and auc >= contrib.cv_auc - rules.close_to_full:
            out[c] = Signal(
                "outsized contribution",
                False,
                f"alone ranks almost as well (AUC {auc:.2f}) as every field together "
                f"({contrib.cv_auc:.2f})",
            )
    return out
