"""The model card written beside a trained model: data range, features, metrics, limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from helpers.scoring.gate import Sufficiency


def model_card(
    bundle: dict,
    *,
    org_name: str,
    data_from,
    data_to,
    n_train: int,
    n_test: int,
    split_description: str,
    leaks: list[str],
    sufficiency: Sufficiency,
    metrics_table: pd.DataFrame,
    suspicious: list[str] | tuple[str, ...] = (),
    cross_validated: bool = False,
) -> str:
    """A model card (YAML front matter + markdown): data range, features, metrics, limits.

    Only what is known is said: without creation dates there is no data range, and a label
    read from the export's flag has no horizon.
    """
    import yaml

    date_from, date_to = _day(data_from), _day(data_to)
    label = dict(bundle["label"])
    if label.get("mode") == "flag":
        label = {k: v for k, v in label.items() if k not in ("horizon_days", "score_after_days")}
    meta = {"model": bundle["model_name"], "organization": org_name}
    meta.update({k: v for k, v in (("data_from", date_from), ("data_to", date_to)) if v})
    meta.update(
        {
            "label": label,
            "validation": "cross-validated" if cross_validated else "out-of-time",
            "training_leads": int(n_train),
            "test_leads": int(n_test),
            "features": bundle["features"]["categorical"] + bundle["features"]["numeric"],
            "excluded_as_leaks": list(leaks),
            "suspicious_fields": list(suspicious),
            "metrics": {k: round(float(v), 4) for k, v in bundle["metrics"].items()},
            "threshold_probability": round(bundle["threshold_probability"], 4),
            "file_format": "skops (loaded with a fixed allowlist of types)",
        }
    )
    same = (
        "cross-validated: every lead scored by a model that did not see it"
        if cross_validated
        else "same test leads for every scorer"
    )
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).strip(),
        "---",
        f"# MQL score model card: {org_name}",
        "",
        f"**What it predicts.** {_label_sentence(bundle['label'])}",
        "",
        f"**Data.** {_data_sentence(date_from, date_to)} {split_description}",
        "",
        f"**Sufficiency.** {sufficiency.message}",
        "",
        "**Excluded as leaks.** " + (", ".join(leaks) if leaks else "none found."),
        "",
        "**Suspicious, kept (check them).** " + (", ".join(suspicious) if suspicious else "none."),
        "",
        f"**Test metrics ({same}).**",
        "",
        metrics_table.round(3).to_markdown(index=False)
        if _has_tabulate()
        else "```\n" + metrics_table.round(3).to_string(index=False) + "\n```",
        "",
        "**Use.** Score new leads each week with `alignment-edge score MODEL ORG_DIR`; retrain "
        "when the drift check flags the latest period (PSI above 0.2) or every quarter.",
        "",
        "**Limits.** Learned from this organization's past decisions: leads sales never worked "
        "look like failures. Not a judgement of people; reasons are read from the points table.",
        "",
    ]
    return "\n".join(lines)


def _day(value) -> str | None:
    """``YYYY-MM-DD`` of a timestamp, or None when it is missing."""
    return str(pd.Timestamp(value).date()) if value is not None and pd.notna(value) else None


def _data_sentence(date_from: str | None, date_to: str | None) -> str:
    """What the card can say about the data's dates."""
    if date_from and date_to:
        return f"Leads created {date_from} to {date_to}."
    if date_to:
        return f"Data up to {date_to}."
    return "The leads carry no creation dates."


def _has_tabulate() -> bool:
    """Whether ``tabulate`` (needed by ``DataFrame.to_markdown``) is installed."""
    try:
        import tabulate  # noqa: F401

        return True
    except ImportError:
        return False


def _label_sentence(label: dict) -> str:
    """What the model predicts, in one sentence, from the bundle's ``label`` entry."""
    if label["mode"] == "flag":
        return f"Whether a lead converts ({label['stage']}), from the export's flag."
    stage = {"sql": "an SQL", "opportunity": "an opportunity", "won": "a won deal"}.get(
        label["stage"], label["stage"]
    )
    return (
        f"The probability that a lead becomes {stage} within {label['horizon_days']} days "
        f"of its scoring moment ({label['score_after_days']} days after creation)."
    )
