"""Implausible accuracy: a validated ROC AUC above the line is almost certainly a leak.

Lead scores built only on what is known before sales makes contact rarely pass a validated ROC
AUC of about **0.90** (:attr:`LeakRules.max_plausible_auc`): people who fill the same form
convert for reasons no form records. A higher out-of-time (or cross-validated) AUC means some
field tells the outcome. :func:`check_accuracy` names the fields that carry it (the permutation
AUC loss of each field on the validation leads); :func:`fit_guarded` fits the scorers, and while
the AUC stays above the line beyond sampling noise, excludes those fields and refits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from helpers.scoring.features import FeatureSet, model_matrix
from helpers.scoring.leakage import LeakReport, drop_leaks
from helpers.scoring.models import fit_scorers, predict_proba

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Scorers, Split
    from helpers.scoring.rule import RuleSpec

_Z95 = NormalDist().inv_cdf(0.975)


def auc_interval(auc: float, n_pos: int, n_neg: int) -> tuple[float, float]:
    """95% interval of a ROC AUC from its numbers of positives and negatives (Hanley-McNeil)."""
    if n_pos < 1 or n_neg < 1 or not np.isfinite(auc):
        return float("nan"), float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (
        n_pos * n_neg
    )
    se = float(np.sqrt(max(var, 0.0)))
    return max(0.0, auc - _Z95 * se), min(1.0, auc + _Z95 * se)


@dataclass
class AccuracyCheck:
    """The implausible-accuracy check of one fit.

    Attributes
    ----------
    auc, low : float
        The best model's validated ROC AUC and the lower end of its 95% interval.
    line : float
        The plausibility line.
    action : {"none", "announced", "refit"}
        Below the line; above it but within sampling noise (fields named, nothing excluded);
        above it beyond noise (the carriers are excluded and the models refitted).
    carriers : list of str
        The fields that carry the excess AUC.
    losses : DataFrame
        ``feature, auc_loss``: each field's permutation AUC loss, largest first.
    message : str
        What the report says.
    """

    auc: float
    low: float
    line: float
    validation: str
    action: str
    carriers: list[str]
    losses: pd.DataFrame
    message: str


def permutation_losses(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    *,
    seed: int = 0,
    max_rows: int = 20_000,
) -> pd.DataFrame:
    """Each field's permutation AUC loss for the best model on the validation leads.

    Out-of-time: the evaluated model on the test leads. Cross-validated: each fold's model
    (fitted once by :func:`fit_scorers`) on that fold's held-out leads, shuffled field by field.
    """
    from helpers.scoring.leak_signals import permutation_contribution
    from helpers.scoring.models import make_boosting, make_logistic

    X = model_matrix(fs, fs.numeric, fs.categorical)
    y = labels.table["label"].to_numpy()
    if scorers.split.folds is not None and scorers.fold_models is not None:
        loss = _fold_losses(scorers, X, y, seed=seed, max_rows=max_rows)
    elif scorers.split.folds is not None:
        rows = scorers.split.train
        make = (
            (lambda: make_logistic(fs.numeric, fs.categorical))
            if scorers.best == "logistic regression"
            else (lambda: make_boosting(fs.numeric, fs.categorical, seed=seed))
        )
        contrib = permutation_contribution(X.iloc[rows], y[rows], make, seed=seed)
        loss = contrib.loss if contrib is not None else {}
    else:
        rng = np.random.default_rng(seed)
        rows = scorers.test_rows
        if len(rows) > max_rows:
            rows = np.sort(rng.choice(rows, max_rows, replace=False))
        test, yt = X.iloc[rows].reset_index(drop=True), y[rows]
        full = roc_auc_score(yt, predict_proba(scorers.best_model, test))
        copies = []
        for c in X.columns:
            shuffled = test.copy()
            shuffled[c] = rng.permutation(shuffled[c].to_numpy())
            copies.append(shuffled)
        p = predict_proba(scorers.best_model, pd.concat(copies, ignore_index=True))
        p = p.reshape(len(copies), -1)
        loss = {c: float(full - roc_auc_score(yt, row)) for c, row in zip(X.columns, p)}
    out = pd.DataFrame({"feature": list(loss), "auc_loss": list(loss.values())})
    return out.sort_values("auc_loss", ascending=False, kind="stable").reset_index(drop=True)


def _fold_losses(
    scorers: Scorers, X: pd.DataFrame, y: np.ndarray, *, seed: int, max_rows: int
) -> dict[str, float]:
    """Permutation AUC loss of each field, cross-validated with the fold models that exist:
    each held-out lead (at most ``max_rows`` in all) is scored by the model of its fold, as is
    every shuffled copy of it (shuffled within its fold)."""
    rng = np.random.default_rng(seed)
    folds, models = scorers.split.folds, scorers.fold_models[scorers.best]
    total = sum(len(te) for _, te in folds)
    share = min(1.0, max_rows / max(total, 1))
    full, perm, ys = [], {c: [] for c in X.columns}, []
    for (_, te), model in zip(folds, models):
        if share < 1:
            te = np.sort(rng.choice(te, max(1, int(round(share * len(te)))), replace=False))
        test = X.iloc[te].reset_index(drop=True)
        copies = []
        for c in X.columns:
            shuffled = test.copy()
            shuffled[c] = rng.permutation(shuffled[c].to_numpy())
            copies.append(shuffled)
        p = predict_proba(model, pd.concat([test, *copies], ignore_index=True))
        p = p.reshape(len(copies) + 1, -1)
        full.append(p[0])
        for c, row in zip(X.columns, p[1:]):
            perm[c].append(row)
        ys.append(y[te])
    yt = np.concatenate(ys)
    if len(np.unique(yt)) < 2:
        return {}
    auc = roc_auc_score(yt, np.concatenate(full))
    return {c: float(auc - roc_auc_score(yt, np.concatenate(v))) for c, v in perm.items()}


def check_accuracy(
    scorers: Scorers, fs: FeatureSet, labels: LabelResult, leaks: LeakReport, *, seed: int = 0
) -> AccuracyCheck:
    """Is the best model's validated AUC plausible for pre-contact data?

    Above the line, the fields that carry it are named: the suspicious fields whose shuffling
    costs at least 0.01 AUC, else the one field that costs the most. Fields kept on purpose in
    ``org.yml`` are never named. The action is a refit without them when the AUC is above the
    line beyond sampling noise (its 95% interval entirely above it), when the named fields were
    already suspicious (a second, independent signal), or when one named field costs at least
    twice as much as any other field (it alone carries the excess).
    """
    line = leaks.rules.max_plausible_auc
    m = scorers.metrics.set_index("scorer").loc[scorers.best]
    auc = float(m["roc_auc"])
    y = scorers.y_test
    low, _ = auc_interval(auc, int(y.sum()), int(len(y) - y.sum()))
    kind = "cross-validated" if scorers.split.folds is not None else "out-of-time"
    if not auc > line:
        msg = (
            f"The best model's {kind} ROC AUC is {auc:.3f}: plausible for a score built on "
            f"pre-contact data (line {line:.2f})."
        )
        return AccuracyCheck(auc, low, line, kind, "none", [], pd.DataFrame(), msg)
    losses = permutation_losses(scorers, fs, labels, seed=seed)
    carriers = _carriers(losses, leaks)
    named = (
        ", ".join(
            f"{c} (shuffling it costs {losses.set_index('feature').at[c, 'auc_loss']:.2f} AUC)"
            for c in carriers
        )
        or "no single field"
    )
    head = (
        f"The best model's {kind} ROC AUC is {auc:.3f} (95% interval from {low:.3f}), above the "
        f"{line:.2f} that lead scores built only on pre-contact data rarely pass"
    )
    flagged = bool(carriers) and set(carriers) <= set(leaks.suspicious)
    if carriers and (low > line or flagged or _dominant(losses, carriers)):
        msg = (
            f"{head}: almost certainly a leak. The fields that carry it: {named}. They are "
            "excluded and the models refitted; if one is truly known before contact, declare "
            "it in org.yml (field_decisions: keep)."
        )
        return AccuracyCheck(auc, low, line, kind, "refit", carriers, losses, msg)
    msg = (
        f"{head}, but within sampling noise of it: nothing is excluded. Check by hand the fields "
        f"that carry most of it: {named}."
    )
    return AccuracyCheck(auc, low, line, kind, "announced", carriers, losses, msg)


def _carriers(losses: pd.DataFrame, leaks: LeakReport, min_loss: float = 0.01) -> list[str]:
    """The fields named as carrying an implausible AUC (never those kept on purpose)."""
    if losses.empty:
        return []
    keep = set(leaks.kept_on_purpose)
    cand = losses[~losses["feature"].isin(keep)]
    suspicious = cand[cand["feature"].isin(leaks.suspicious) & (cand["auc_loss"] >= min_loss)]
    if len(suspicious):
        return suspicious["feature"].tolist()
    top = cand[cand["auc_loss"] >= min_loss].head(1)
    return top["feature"].tolist()


def _dominant(losses: pd.DataFrame, carriers: list[str], ratio: float = 2.0) -> bool:
    """Whether the first carrier's permutation loss is at least ``ratio`` times every other
    field's."""
    loss = losses.set_index("feature")["auc_loss"]
    top = float(loss.get(carriers[0], 0.0))
    others = loss.drop(index=carriers[0])
    return top > 0 and (others.empty or top >= ratio * max(float(others.max()), 0.0))


@dataclass
class GuardedFit:
    """Scorers fitted after the implausible-accuracy check, and what it changed."""

    scorers: Scorers
    features: FeatureSet
    leaks: LeakReport
    checks: list[AccuracyCheck] = field(default_factory=list)

    @property
    def refitted(self) -> list[str]:
        """The fields the check excluded (empty when the first fit was plausible)."""
        return [c for chk in self.checks if chk.action == "refit" for c in chk.carriers]

    @property
    def message(self) -> str:
        """Every round's finding, in order."""
        return "\n".join(chk.message for chk in self.checks)


def fit_guarded(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split,
    leaks: LeakReport,
    *,
    rule: RuleSpec | None = None,
    seed: int = 42,
    max_rounds: int = 3,
) -> GuardedFit:
    """Fit the scorers; while the validated AUC is implausibly high beyond noise, exclude the
    fields that carry it and refit (at most ``max_rounds`` refits).

    Returns
    -------
    GuardedFit
        The last scorers, the features and the leak report with the excluded carriers marked
        (signal ``implausible accuracy``), and every round's check.
    """
    scorers = fit_scorers(fs, labels, split, rule=rule, seed=seed)
    checks: list[AccuracyCheck] = []
    for _ in range(max_rounds + 1):
        chk = check_accuracy(scorers, fs, labels, leaks, seed=seed)
        checks.append(chk)
        if chk.action != "refit" or len(checks) > max_rounds:
            break
        leaks = mark_excluded(leaks, chk)
        remaining = [c for c in fs.columns if c not in chk.carriers]
        if not remaining:
            break
        fs = drop_leaks(fs, leaks.table[leaks.table["feature"].isin(chk.carriers)])
        scorers = fit_scorers(fs, labels, split, rule=rule, seed=seed)
    return GuardedFit(scorers, fs, leaks, checks)


def mark_excluded(leaks: LeakReport, chk: AccuracyCheck) -> LeakReport:
    """A copy of ``leaks`` with the check's carriers excluded, the reason in words."""
    t = leaks.table.copy()
    rows = t["feature"].isin(chk.carriers)
    loss = chk.losses.set_index("feature")["auc_loss"]
    why = t.loc[rows, "feature"].map(
        lambda c: (
            f"carries an implausible validated AUC of {chk.auc:.2f} (line {chk.line:.2f}; "
            f"shuffling it costs {loss.get(c, np.nan):.2f} AUC)"
        )
    )
    t.loc[rows, "verdict"] = "excluded"
    t.loc[rows, "leak"] = True
    t.loc[rows, "signals"] = t.loc[rows, "signals"].map(
        lambda s: ", ".join(x for x in (s, "implausible accuracy") if x)
    )
    t.loc[rows, "reason"] = [
        "; ".join(x for x in (w, r) if x) for w, r in zip(why, t.loc[rows, "reason"])
    ]
    t.attrs = dict(leaks.table.attrs)
    return LeakReport(t, leaks.checks, leaks.cv_auc, leaks.rules, [*leaks.notes, chk.message])
