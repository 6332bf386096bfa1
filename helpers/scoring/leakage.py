"""Step 3, the leakage check: every candidate field gets a verdict, with its evidence.

Several independent signals (:mod:`helpers.scoring.leak_signals`) are computed for each field
on the training leads only: the single-field AUC, a dated field recorded after the scoring
moment, near-pure levels, outcome-related missingness, process progress (by name or by value)
and an outsized contribution to a cross-validated model. They combine into a verdict:

* **excluded** - one strong signal, or two warnings, or the user's ``org.yml`` decision
  (``field_decisions``: ``exclude`` or ``known_at: after_contact``);
* **suspicious** - one warning: the field is kept, and the report says why to look at it;
* **kept on purpose** - flagged, but ``org.yml`` says ``keep``;
* **clean** - no signal.

:func:`check_leaks` returns a :class:`LeakReport` (the table, which checks could run, and the
cross-validated AUC of the fields kept); :func:`find_leaks` returns its table;
:func:`drop_leaks` removes the excluded fields. The audit (:mod:`helpers.scoring.audit`) lists
every field considered with an honest timing column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

from helpers.scoring import leak_signals as sig
from helpers.scoring.features import FeatureSet, fit_vocabulary, model_matrix
from helpers.scoring.leak_signals import LeakRules, Signal

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Split

#: Verdicts, in the order the report lists them.
VERDICTS = ("excluded", "suspicious", "kept on purpose", "clean")
#: ``known_at`` values of an ``org.yml`` field decision, and whether each excludes the field.
KNOWN_AT = {"before_contact": False, "after_contact": True, "after_outcome": True}
LEAK_COLUMNS = [
    "feature",
    "verdict",
    "leak",
    "single_auc",
    "fill_converted",
    "fill_others",
    "after_moment",
    "age_rho",
    "perm_loss",
    "signals",
    "reason",
    "decision",
]


def _auc_sym(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC of ``s`` whichever way it ranks (0.5 when either side is constant)."""
    if len(np.unique(y)) < 2 or len(np.unique(s)) < 2:
        return 0.5
    a = roc_auc_score(y, s)
    return float(max(a, 1 - a))


def _oof_target_mean(
    codes: np.ndarray, y: np.ndarray, seed: int, smoothing: float = 20.0
) -> np.ndarray:
    """Out-of-fold smoothed conversion rate of each row's category (no self-leak)."""
    out = np.empty(len(y), dtype="float64")
    prior = y.mean()
    k = codes.max() + 1
    for tr, te in KFold(5, shuffle=True, random_state=seed).split(codes):
        n = np.bincount(codes[tr], minlength=k)
        s = np.bincount(codes[tr], weights=y[tr], minlength=k)
        rate = (s + smoothing * prior) / (n + smoothing)
        out[te] = rate[codes[te]]
    return out


def single_feature_auc(s: pd.Series, y: np.ndarray, *, seed: int = 0) -> float:
    """How well one field alone ranks converters (0.5 = not at all, 1 = perfectly).

    Numbers rank by value with missing as lowest; text is scored by its out-of-fold
    conversion rate (so a field with a thousand rare values cannot look perfect by chance).
    """
    y = np.asarray(y, dtype="float64")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(v)
        lo = np.nanmin(v) - 1 if finite.any() else 0.0
        return _auc_sym(y, np.where(finite, v, lo))
    codes, uniques = pd.factorize(s)  # missing (-1) is a level of its own
    codes = np.where(codes < 0, len(uniques), codes)
    if len(y) < 10:
        return 0.5
    return _auc_sym(y, _oof_target_mean(codes, y, seed))


def field_decisions(config: Any) -> dict[str, Any]:
    """The user's decisions about fields (``org.yml: field_decisions``), empty when none."""
    return dict(getattr(config, "field_decisions", None) or {})


def decision_of(decisions: Any, feature: str) -> dict[str, Any]:
    """The ``org.yml`` decision about ``feature`` (or about the column it is built from) as a
    plain dict with ``known_at``, ``exclude``, ``keep`` and ``reason`` (empty when none)."""
    if not decisions:
        return {}
    src = feature[: -len("_by_scoring")] if feature.endswith("_by_scoring") else feature
    d = decisions.get(feature, decisions.get(src)) if hasattr(decisions, "get") else None
    if d is None:
        return {}
    get = d.get if isinstance(d, dict) else (lambda k, default=None: getattr(d, k, default))
    return {k: get(k) for k in ("known_at", "exclude", "keep", "reason")}


def _decision_text(d: dict[str, Any]) -> str:
    """How the report shows an ``org.yml`` decision (empty when there is none)."""
    parts = []
    if d.get("known_at"):
        parts.append(f"known_at: {d['known_at']}")
    if d.get("exclude"):
        parts.append("exclude")
    if d.get("keep"):
        parts.append("keep")
    text = ", ".join(parts)
    if text and d.get("reason"):
        text += f" ({d['reason']})"
    return text


def _verdict(signals: list[Signal], d: dict[str, Any]) -> str:
    """Excluded, suspicious, kept on purpose or clean, from the signals and the decision."""
    if d.get("exclude") or KNOWN_AT.get(str(d.get("known_at")), False):
        return "excluded"
    flagged = any(s.strong for s in signals) or sum(not s.strong for s in signals) >= 2
    if d.get("keep"):
        return "kept on purpose" if signals else "clean"
    if flagged:
        return "excluded"
    return "suspicious" if signals else "clean"


@dataclass
class _FieldFacts:
    """What the signals measured about one field."""

    single_auc: float
    fill: tuple[float, float]
    after: float
    rho: float
    signals: list[Signal] = field(default_factory=list)
    loss: float = float("nan")


def _field_facts(
    s: pd.Series,
    name: str,
    y: np.ndarray,
    *,
    after: float,
    age_days,
    rules: LeakRules,
    decision: dict,
    seed: int,
) -> _FieldFacts:
    """Every signal that does not need a model, for one field."""
    facts = _FieldFacts(
        single_feature_auc(s, y, seed=seed),
        sig.fill_rates(s, y),
        after,
        sig.age_correlation(s, y, age_days),
    )
    before_contact = decision.get("known_at") == "before_contact"
    found = [
        sig.single_auc_signal(facts.single_auc, rules),
        sig.after_moment_signal(after, rules),
        sig.near_pure_signal(s, y, rules),
        sig.missingness_signal(s, y, rules),
        None if before_contact else sig.progress_signal(name, facts.rho, rules),
    ]
    facts.signals = [f for f in found if f is not None]
    return facts


def _contribution_model(numeric: list[str], categorical: list[str], seed: int):
    """A small gradient boosting model for the contribution check (fast, fixed settings)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    mask = [True] * len(categorical) + [False] * len(numeric)

    def make():
        return HistGradientBoostingClassifier(
            learning_rate=0.15,
            max_iter=60,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            categorical_features=mask if categorical else None,
            early_stopping=False,
            random_state=seed,
        )

    return make


def _contribution(
    frame: pd.DataFrame,
    y: np.ndarray,
    cols: list[str],
    facts: dict[str, _FieldFacts],
    rules: LeakRules,
    seed: int,
) -> sig.Contribution | None:
    """Cross-validated model on ``cols``; adds the outsized-contribution warnings to ``facts``."""
    if not cols or len(y) < 60:
        return None
    numeric = [
        c
        for c in cols
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    categorical = [c for c in cols if c not in numeric]
    sub = frame[cols].copy()
    for c in categorical:
        sub[c] = sub[c].astype("object").where(sub[c].notna()).astype("str").where(sub[c].notna())
    X = model_matrix(sub, numeric, categorical, fit_vocabulary(sub, categorical))
    contrib = sig.permutation_contribution(
        X, y, _contribution_model(numeric, categorical, seed), seed=seed
    )
    if contrib is None:
        return None
    single = {c: facts[c].single_auc for c in cols}
    for c, s in sig.contribution_signals(contrib, single, rules).items():
        facts[c].signals.append(s)
    for c, loss in contrib.loss.items():
        facts[c].loss = loss
    return contrib


def detect_leaks(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    after_moment: dict[str, float] | None = None,
    max_auc: float | None = None,
    rules: LeakRules | None = None,
    decisions: Any = None,
    age_days: np.ndarray | None = None,
    contribution: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Every field's leak signals, its verdict and the evidence in words.

    Parameters
    ----------
    frame : DataFrame
        Candidate features of the labelled training leads.
    y : array of 0/1
        Their labels.
    after_moment : dict, optional
        Dated column -> share of its filled values recorded after the scoring moment.
    max_auc : float, optional
        The single-field AUC line (default ``rules.max_single_auc``, 0.95).
    rules : LeakRules, optional
        The lines of every signal.
    decisions : mapping, optional
        ``org.yml: field_decisions`` (field -> ``known_at``, ``exclude``, ``keep``, ``reason``).
    age_days : array, optional
        Each lead's age at the export in days (progress-by-value check; None without dates).
    contribution : bool
        Run the cross-validated model for the outsized-contribution check.

    Returns
    -------
    DataFrame
        One row per field (:data:`LEAK_COLUMNS`): excluded first, then suspicious, kept on
        purpose and clean, each by single-field AUC. ``leak`` is True for excluded fields.
    """
    rules = rules or LeakRules()
    if max_auc is not None:
        rules = replace(rules, max_single_auc=float(max_auc))
    y = np.asarray(y).astype(int)
    if len(y) != len(frame):
        raise ValueError("y must have one label per row of the feature table.")
    after_moment = after_moment or {}
    frame = frame.reset_index(drop=True)
    facts, decided = {}, {}
    for c in frame.columns:
        src = c[: -len("_by_scoring")] if c.endswith("_by_scoring") else c
        decided[c] = decision_of(decisions, c)
        facts[c] = _field_facts(
            frame[c],
            c,
            y,
            after=after_moment.get(src, np.nan),
            age_days=age_days,
            rules=rules,
            decision=decided[c],
            seed=seed,
        )
    if contribution and len(np.unique(y)) == 2:
        kept = [c for c in frame.columns if _verdict(facts[c].signals, decided[c]) != "excluded"]
        contrib = _contribution(frame, y, kept, facts, rules, seed)
    else:
        contrib = None
    out = _leak_table(facts, decided)
    out.attrs["cv_auc"] = contrib.cv_auc if contrib is not None else float("nan")
    out.attrs["cv_rows"] = contrib.rows if contrib is not None else 0
    return out


def _leak_table(facts: dict[str, _FieldFacts], decided: dict[str, dict]) -> pd.DataFrame:
    """The verdict table, excluded fields first."""
    rows = []
    for c, f in facts.items():
        d = decided[c]
        verdict = _verdict(f.signals, d)
        reasons = [s.evidence for s in f.signals]
        if d.get("exclude") or KNOWN_AT.get(str(d.get("known_at")), False):
            reasons.insert(0, f"org.yml field_decisions: {_decision_text(d)}")
        elif verdict == "kept on purpose":
            reasons.append(f"kept on purpose in org.yml ({_decision_text(d)})")
        rows.append(
            (
                c,
                verdict,
                verdict == "excluded",
                f.single_auc,
                f.fill[0],
                f.fill[1],
                f.after,
                f.rho,
                f.loss,
                ", ".join(dict.fromkeys(s.name for s in f.signals)),
                "; ".join(reasons),
                _decision_text(d),
            )
        )
    out = pd.DataFrame(rows, columns=LEAK_COLUMNS)
    rank = out["verdict"].map({v: i for i, v in enumerate(VERDICTS)})
    out = out.assign(_rank=rank).sort_values(["_rank", "single_auc"], ascending=[True, False])
    return out.drop(columns="_rank").reset_index(drop=True)


def empty_leak_table() -> pd.DataFrame:
    """A leak table with no field (when the labels cannot be checked)."""
    return pd.DataFrame(columns=LEAK_COLUMNS).astype({"leak": bool})


@dataclass
class LeakReport:
    """The leakage check's result: the verdict per field and which checks could run.

    Attributes
    ----------
    table : DataFrame
        From :func:`detect_leaks`.
    checks : DataFrame
        ``check, ran, detail``: each signal, whether it could run on this export, and why not.
    cv_auc : float
        Cross-validated ROC AUC of a model on the fields kept (NaN when it could not run).
    rules : LeakRules
        The lines used.
    notes : list of str
        Sentences for the report (unknown ``org.yml`` decisions, the accuracy check's findings).
    """

    table: pd.DataFrame
    checks: pd.DataFrame
    cv_auc: float
    rules: LeakRules
    notes: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> list[str]:
        """The fields excluded as leaks."""
        return self.table.loc[self.table["verdict"].eq("excluded"), "feature"].tolist()

    @property
    def suspicious(self) -> list[str]:
        """The fields kept with a warning."""
        return self.table.loc[self.table["verdict"].eq("suspicious"), "feature"].tolist()

    @property
    def kept_on_purpose(self) -> list[str]:
        """Flagged fields that ``org.yml`` keeps."""
        return self.table.loc[self.table["verdict"].eq("kept on purpose"), "feature"].tolist()

    def describe(self) -> str:
        """One paragraph: what was excluded, what is suspicious, which checks could not run."""
        t = self.table
        parts = [
            f"{len(t)} fields checked: {len(self.excluded)} excluded"
            + (f" ({', '.join(self.excluded)})" if self.excluded else "")
            + f", {len(self.suspicious)} suspicious"
            + (f" ({', '.join(self.suspicious)})" if self.suspicious else "")
            + (f", {len(self.kept_on_purpose)} kept on purpose" if self.kept_on_purpose else "")
            + "."
        ]
        skipped = self.checks[~self.checks["ran"]]
        if len(skipped):
            parts.append(
                "Checks that could not run: "
                + "; ".join(f"{r.check} ({r.detail})" for r in skipped.itertuples())
                + "."
            )
        return " ".join(parts + self.notes)


def check_leaks(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split | None,
    *,
    max_auc: float | None = None,
    rules: LeakRules | None = None,
    decisions: Any = None,
    seed: int = 0,
) -> LeakReport:
    """Run :func:`detect_leaks` on the training leads only (the test leads stay unseen).

    Without a split (too little data to learn), every labelled lead is checked. ``decisions``
    is ``org.yml: field_decisions``; a decision naming no candidate field is reported.
    """
    rules = rules or LeakRules()
    if max_auc is not None:
        rules = replace(rules, max_single_auc=float(max_auc))
    rows = split.train if split is not None else np.flatnonzero(labels.table["eligible"].to_numpy())
    y = labels.table["label"].to_numpy()[rows]
    ages = _ages(labels, rows)
    if len(np.unique(y)) < 2:
        table = empty_leak_table()
    else:
        table = detect_leaks(
            fs.frame.iloc[rows][fs.columns].reset_index(drop=True),
            y,
            after_moment=fs.after_moment,
            rules=rules,
            decisions=decisions,
            age_days=ages,
            seed=seed,
        )
    checks = checks_run(fs, table, y, ages, rules)
    notes = _decision_notes(decisions, fs)
    cv = float(table.attrs.get("cv_auc", np.nan))
    if np.isfinite(cv) and cv > rules.max_plausible_auc:
        kept = table[table["verdict"].ne("excluded")].sort_values("perm_loss", ascending=False)
        notes.append(
            f"The fields kept reach a cross-validated ROC AUC of {cv:.3f} in the check's own "
            f"model, above the {rules.max_plausible_auc:.2f} that scores built only on pre-contact "
            f"data rarely pass: almost certainly a leak; the fields that carry most of it: "
            f"{', '.join(kept['feature'].head(3))}."
        )
    return LeakReport(table, checks, cv, rules, notes)


def find_leaks(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split | None,
    *,
    max_auc: float | None = None,
    decisions: Any = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The leak table of :func:`check_leaks` (one row per field, ``leak`` = excluded)."""
    return check_leaks(fs, labels, split, max_auc=max_auc, decisions=decisions, seed=seed).table


def _ages(labels: LabelResult, rows: np.ndarray) -> np.ndarray | None:
    """Each row's age at the export in days (None without creation dates or an export date)."""
    created = labels.table["created_at"].to_numpy()[rows]
    as_of = labels.as_of
    if as_of is None:
        dated = labels.table["created_at"].dropna()
        as_of = dated.max() if len(dated) else None
    if as_of is None or pd.isna(created).all():
        return None
    return ((np.datetime64(as_of) - created) / np.timedelta64(1, "D")).astype("float64")


def checks_run(
    fs: FeatureSet,
    table: pd.DataFrame,
    y: np.ndarray,
    ages: np.ndarray | None,
    rules: LeakRules,
) -> pd.DataFrame:
    """Which leak checks could run on this export, and why the others could not."""
    base = float(np.mean(y)) if len(y) else float("nan")
    lo, hi = rules.moderate_rate
    dated_fields = [c for c in fs.after_moment]
    numbers = [c for c in fs.numeric if not c.startswith("n_") and not c.endswith("_by_scoring")]
    rows = [
        ("single-field AUC", len(table) > 0, "every field" if len(table) else "no labelled leads"),
        (
            "recorded after the scoring moment",
            bool(dated_fields),
            f"dated fields: {', '.join(dated_fields)}"
            if dated_fields
            else "no dated field besides the creation date: timing cannot be proven",
        ),
        (
            "near-pure levels",
            bool(lo <= base <= hi),
            f"overall conversion {base:.0%}"
            if lo <= base <= hi
            else f"overall conversion {base:.0%} is not moderate",
        ),
        ("outcome-related missingness", len(table) > 0, "fill rates of converted vs other leads"),
        (
            "process progress (name)",
            len(table) > 0,
            "names matched against the documented list",
        ),
        (
            "process progress (values)",
            ages is not None and bool(numbers),
            "numbers against the lead's age at the export"
            if ages is not None and numbers
            else ("no creation dates" if ages is None else "no numeric field to test"),
        ),
        (
            "outsized contribution",
            bool(table.attrs.get("cv_rows", 0)),
            f"cross-validated model on {table.attrs.get('cv_rows', 0):,} training leads"
            if table.attrs.get("cv_rows", 0)
            else "too few leads or fields for a model",
        ),
    ]
    return pd.DataFrame(rows, columns=["check", "ran", "detail"])


def _decision_notes(decisions: Any, fs: FeatureSet) -> list[str]:
    """A sentence for each ``org.yml`` decision that names no candidate field."""
    if not decisions:
        return []
    known = set(fs.columns) | {c[: -len("_by_scoring")] for c in fs.columns} | set(fs.skipped)
    unknown = [name for name in decisions if name not in known]
    if not unknown:
        return []
    return [
        f"org.yml field_decisions names {', '.join(unknown)}, which is not a lead field here: "
        "check the spelling against the feature names in the audit."
    ]


def drop_leaks(fs: FeatureSet, leaks: pd.DataFrame | LeakReport) -> FeatureSet:
    """The feature set without the fields the leakage check excluded."""
    table = leaks.table if isinstance(leaks, LeakReport) else leaks
    bad = table.loc[table["leak"].astype(bool), "feature"].tolist()
    out = fs.drop(bad, "leak")
    for c in bad:
        out.skipped[c] = "leak: " + str(table.loc[table["feature"].eq(c), "reason"].iloc[0])
    return out
