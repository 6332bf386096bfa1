"""Everything module 4 computed for one organization, in one object.

The notebook fills a :class:`ScoringResult` once its steps have run; the artifacts
(:func:`helpers.scoring.write_module_outputs`) and the ``summary.json`` figures
(:func:`helpers.scoring.summary_figures`) are read from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from helpers.scoring.features import FeatureSet
    from helpers.scoring.gate import Sufficiency
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.leakage import LeakReport
    from helpers.scoring.models import Scorers
    from helpers.scoring.plausibility import AccuracyCheck
    from helpers.scoring.points import PointsTable
    from helpers.scoring.rule import RuleSpec
    from helpers.scoring.thresholds import Thresholds


@dataclass
class ScoringResult:
    """The module's results: always the label, gate, features, leaks and agreed rule; the
    learned score's steps when the gate passed.

    Attributes
    ----------
    labels : LabelResult
        From :func:`build_labels`.
    gate : Sufficiency
        From :func:`check_sufficiency`.
    features : FeatureSet
        The features after the leakage check (:func:`drop_leaks`).
    leaks : LeakReport or DataFrame
        From :func:`check_leaks` (after :func:`fit_guarded`, with the fields an implausible
        accuracy excluded), or the table of :func:`find_leaks`.
    rule : RuleSpec
        The agreed rule (the fallback below the gate).
    scorers, thresholds, points : optional
        From :func:`fit_scorers`, :func:`choose_thresholds` and :func:`fit_points_table`;
        None below the gate.
    drift : DataFrame, optional
        From :func:`drift_report` (None without a model or dates).
    bundle : dict, optional
        From :func:`deployment_bundle`.
    scored : DataFrame, optional
        From :func:`score_leads`: the ``scored_leads.csv`` rows.
    accuracy : list of AccuracyCheck
        The implausible-accuracy checks of :func:`fit_guarded`, one per fit.
    """

    labels: LabelResult
    gate: Sufficiency
    features: FeatureSet
    leaks: LeakReport | pd.DataFrame
    rule: RuleSpec
    scorers: Scorers | None = None
    thresholds: Thresholds | None = None
    points: PointsTable | None = None
    drift: pd.DataFrame | None = None
    bundle: dict | None = None
    scored: pd.DataFrame | None = None
    accuracy: list[AccuracyCheck] = field(default_factory=list)

    @property
    def leak_table(self) -> pd.DataFrame:
        """The leakage check's verdict per field."""
        return getattr(self.leaks, "table", self.leaks)

    def fields_with(self, verdict: str) -> list[str]:
        """The fields whose verdict is ``verdict`` (``excluded``, ``suspicious``, ...)."""
        t = self.leak_table
        if not len(t):
            return []
        if "verdict" not in t.columns:  # a table from before the verdicts
            return (
                t.loc[t["leak"].astype(bool), "feature"].tolist() if verdict == "excluded" else []
            )
        return t.loc[t["verdict"].eq(verdict), "feature"].tolist()

    @property
    def excluded_leaks(self) -> list[str]:
        """The fields the leakage check excluded."""
        return self.fields_with("excluded")

    @property
    def learned(self) -> bool:
        """True when a model was trained and every step after it ran (else the agreed rule)."""
        steps = (self.scorers, self.thresholds, self.points, self.bundle, self.scored)
        return all(step is not None for step in steps)
