"""The module's artifacts: ``scored_leads.csv``, ``mql_definition.yml``, the model and its card."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from helpers.scoring.card import model_card
from helpers.scoring.deployment import save_model
from helpers.scoring.points import scorecard_definition
from helpers.scoring.rule import rule_definition, rule_scored_table

if TYPE_CHECKING:
    from helpers.scoring.result import ScoringResult


def write_outputs(
    output_dir: str | Path,
    *,
    scored_leads: pd.DataFrame,
    definition: dict,
    bundle: dict | None = None,
    card_text: str | None = None,
) -> dict[str, Path]:
    """Write ``scored_leads.csv`` (escaped), ``mql_definition.yml`` and, when a model was
    trained, ``mql_model.skops`` and ``mql_model_card.md``."""
    from helpers.core.report import atomic_write_text, write_csv_safe, write_yaml

    out = Path(output_dir)
    written = {
        "scored_leads": write_csv_safe(scored_leads, out / "scored_leads.csv"),
        "definition": write_yaml(definition, out / "mql_definition.yml"),
    }
    if bundle is not None:
        written["model"] = save_model(bundle, out / "mql_model.skops")
    if card_text is not None:
        written["model_card"] = atomic_write_text(out / "mql_model_card.md", card_text)
    return written


def write_module_outputs(
    output_dir: str | Path, result: ScoringResult, *, org_name: str
) -> dict[str, Path]:
    """Write the module's artifacts: the learned definition, model, card and scored leads, or,
    below the sufficiency gate, the agreed rule and the leads it qualifies.

    Parameters
    ----------
    output_dir : path-like
        The run's output folder.
    result : ScoringResult
        What the module computed.
    org_name : str
        The organization's name, for the model card.
    """
    labels, fs, rule = result.labels, result.features, result.rule
    if not result.learned:
        definition = rule_definition(rule, list(fs.frame.columns), labels, result.gate.message)
        return write_outputs(
            output_dir, scored_leads=rule_scored_table(fs, labels, rule), definition=definition
        )
    points, scorers = result.points, result.scorers
    definition = scorecard_definition(
        points.card,
        threshold_points=points.threshold_points,
        agreement=points.agreement,
        label=labels,
        threshold=result.thresholds.chosen,
        rule=rule,
    )
    split = scorers.split
    card = model_card(
        result.bundle,
        org_name=org_name,
        data_from=labels.table["created_at"].min(),
        data_to=labels.as_of if labels.as_of is not None else labels.table["created_at"].max(),
        n_train=len(split.train),
        n_test=len(scorers.test_rows),
        split_description=split.description,
        leaks=result.excluded_leaks,
        sufficiency=result.gate,
        metrics_table=scorers.metrics,
        suspicious=result.fields_with("suspicious"),
        cross_validated=split.folds is not None,
    )
    return write_outputs(
        output_dir,
        scored_leads=result.scored,
        definition=definition,
        bundle=result.bundle,
        card_text=card,
    )
