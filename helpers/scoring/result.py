"""Everything module 4 computed for one organization, in one object.

The notebook fills a :class:`ScoringResult` once its steps have run; the artifacts
(:func:`helpers.scoring.write_module_outputs`) and the ``summary.json`` figures
(:func:`helpers.scoring.summary_figures`) are read from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from helpers.scoring.features import FeatureSet
    from helpers.scoring.gate import Sufficiency
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Scorers
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
    leaks : DataFrame
        From :func:`find_leaks`.
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
    """

    labels: LabelResult
    gate: Sufficiency
    features: FeatureSet
    leaks: pd.DataFrame
    rule: RuleSpec
    scorers: Scorers | None = None
    thresholds: Thresholds | None = None
    points: PointsTable | None = None
    drift: pd.DataFrame | None = None
    bundle: dict | None = None
    scored: pd.DataFrame | None = None

    @property
    def excluded_leaks(self) -> list[str]:
        """The fields the leakage check excluded."""
        leaks = self.leaks
        return leaks.loc[leaks["leak"], "feature"].tolist() if len(leaks) else []

    @property
    def learned(self) -> bool:
        """True when a model was trained and every step after it ran (else the agreed rule)."""
        steps = (self.scorers, self.thresholds, self.points, self.bundle, self.scored)
        return all(step is not None for step in steps)
