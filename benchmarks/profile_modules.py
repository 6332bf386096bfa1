"""What "derive once" and "fit once" would gain: a profile of one benchmark report.

Run after ``run_benchmarks.py --keep`` (which leaves the executed notebooks and the validated
tables in ``benchmarks/work/report_<size>/``)::

    python benchmarks/profile_modules.py benchmarks/work/report_1000000

It measures, in this process, on the report's validated tables:

- **derive once**: reading the validated tables (every notebook does it) and each per-lead
  derivation that several notebooks compute from the same leads and activities - module 2's
  journeys, module 3's funnel model and alignment levers (touches and first responses per
  lead), module 4's labels and features (touch counts per lead);
- **fit once**: from the executed ``04_mql_classifier`` notebook, the time of every cell that
  fits a model (papermill records each cell's duration), and a learning curve of the gradient
  boosting model on growing training samples (AUC on the module's own test split), which says
  where extra rows stop paying; and module 4's own learning curve (the training size it
  chooses) against one fit on every training lead, with the test AUC each reaches.

It writes ``benchmarks/profile.md``; ``run_benchmarks.py`` appends it to ``results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# As in the runner's kernels: idle OpenMP threads sleep (spinning ones distort the timings).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROFILE = Path(__file__).resolve().parent / "profile.md"
#: Cells of module 4 that fit models, by a call they make.
FIT_CALLS = ("fit_guarded(", "fit_points_table(", "deployment_bundle(", "fit_scorers(",
             "choose_thresholds(", "ScoringResult(", "check_leaks(")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def derive_steps(report: Path) -> tuple[list[tuple[str, float, str]], dict]:
    """Seconds of reading the tables and of each per-lead derivation (module, step)."""
    from helpers import funnel, scoring
    from helpers import revenue as rv
    from helpers.data import read_tables

    rows: list[tuple[str, float, str]] = []
    data, secs = timed(lambda: read_tables(report))
    rows.append(("every notebook", secs, "read the validated tables (Parquet)"))
    (journeys, _), secs = timed(lambda: funnel.try_from_org(data))
    rows.append(("02", secs, "journeys: stage dates, touches and first response per lead"))
    (model, _), secs = timed(lambda: rv.try_build_funnel(data))
    rows.append(("03", secs, "funnel model: stage reached and dates per lead"))
    if model is not None:
        _, secs = timed(lambda: rv.alignment_levers(model, data.leads, data.activities))
        rows.append(("03", secs, "alignment levers: touches and first response per lead"))
    (labels, _), secs = timed(lambda: scoring.try_build_labels(
        data.leads, data.opportunities, activities=data.activities, stages=data.config.stages))
    rows.append(("04", secs, "labels: conversion and scoring moment per lead"))
    state = {"data": data, "labels": labels}
    if labels is not None:
        features, secs = timed(lambda: scoring.build_features(
            data.leads, labels.table["scoring_moment"], accounts=data.accounts,
            activities=data.activities))
        rows.append(("04", secs, "features: touch counts and attributes per lead"))
        state["features"] = features
    return rows, state


def fit_cells(report: Path) -> list[tuple[float, str]]:
    """Durations of module 4's cells that fit models (from the executed notebook)."""
    path = report / "04_mql_classifier.ipynb"
    if not path.is_file():
        return []
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and any(c in src for c in FIT_CALLS):
            dur = float((cell.get("metadata", {}).get("papermill") or {}).get("duration") or 0)
            call = next(c for c in FIT_CALLS if c in src)
            out.append((dur, call.rstrip("(")))
    return out


def learning_curve(state: dict, seed: int = 42) -> list[tuple[int, float, float]]:
    """(training rows, fit seconds, test AUC) of gradient boosting on growing samples."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    from helpers import scoring

    labels, fs = state.get("labels"), state.get("features")
    if labels is None or fs is None:
        return []
    split = scoring.time_split(labels, seed=seed)
    fs = scoring.drop_leaks(fs, scoring.check_leaks(fs, labels, split, seed=seed))
    X = fs.frame[fs.numeric + fs.categorical].copy()
    for col in fs.categorical:
        X[col] = X[col].astype("category")
    y = labels.table["label"].astype(int).to_numpy()
    train, test = np.asarray(split.train), np.asarray(split.test)
    rng = np.random.default_rng(seed)
    order = rng.permutation(train)
    out = []
    n = 25_000
    while True:
        rows = order[: min(n, len(order))]
        model = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
        _, secs = timed(lambda rows=rows, model=model: model.fit(X.iloc[rows], y[rows]))
        auc = roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1])
        out.append((len(rows), secs, auc))
        if len(rows) == len(order):
            return out
        n *= 2


def fit_once_check(state: dict, seed: int = 42) -> dict | None:
    """Module 4's own learning curve against gradient boosting fitted on every training lead:
    the training size chosen, both test AUCs (the loss must stay under 0.005) and fit times."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from helpers import scoring
    from helpers.scoring import models as m

    labels, fs = state.get("labels"), state.get("features")
    if labels is None or fs is None:
        return None
    split = scoring.time_split(labels, seed=seed)
    fs = scoring.drop_leaks(fs, scoring.check_leaks(fs, labels, split, seed=seed))
    if split.folds is not None or len(split.train) <= scoring.CURVE_MIN_ROWS:
        return None
    X = scoring.model_matrix(fs, fs.numeric, fs.categorical)
    y = labels.table["label"].to_numpy()
    make = lambda: scoring.make_boosting(fs.numeric, fs.categorical, seed=seed)  # noqa: E731
    curve, secs_curve = timed(lambda: scoring.fit_learning_curve(
        make, X, y, split.train, fit=m._fit_quiet, predict=m.predict_proba))
    full, secs_full = timed(lambda: m._fit_quiet(make(), X.iloc[split.train], y[split.train]))
    test = np.asarray(split.test)
    auc = {name: roc_auc_score(y[test], m.predict_proba(model, X.iloc[test]))
           for name, model in (("curve", curve.model), ("all", full))}
    return {"train": len(split.train), "used": curve.rows_used, "table": curve.table,
            "stop": curve.stop, "auc_curve": auc["curve"], "auc_all": auc["all"],
            "secs_curve": secs_curve, "secs_all": secs_full}


def render_fit_once(chk: dict | None) -> list[str]:
    """The fit-once check as report lines (empty when it did not run)."""
    if not chk:
        return []
    lines = ["", f"Module 4's learning curve (validation: the latest training leads): "
             f"{chk['used']:,} of {chk['train']:,} training leads used - {chk['stop']}.", "",
             "| training leads | validation AUC | fit (s) |", "|---:|---:|---:|"]
    lines += [f"| {int(r.training_leads):,} | {r.validation_auc:.4f} | {r.fit_seconds:.1f} |"
              for r in chk["table"].itertuples()]
    loss = chk["auc_all"] - chk["auc_curve"]
    lines += ["", f"Test AUC with the curve's size {chk['auc_curve']:.4f} against "
              f"{chk['auc_all']:.4f} on all training leads (loss {loss:.4f}, limit 0.005); "
              f"the curve took {chk['secs_curve']:.1f} s, one fit on every training lead "
              f"{chk['secs_all']:.1f} s."]
    return lines


def render(report: Path, derive: list, cells: list, curve: list,
           fit_once: dict | None = None) -> str:
    lines = [f"Profiled on `{report.name}` ({time.strftime('%Y-%m-%d')}), in one process.", "",
             "| module | step | seconds |", "|---|---|---:|"]
    lines += [f"| {m} | {what} | {s:.1f} |" for m, s, what in derive]
    if cells:
        lines += ["", "Module 4's cells that fit models (executed notebook):", "",
                  "| cell calls | seconds |", "|---|---:|"]
        lines += [f"| `{c}` | {d:.1f} |" for d, c in cells]
    if curve:
        lines += ["", "Learning curve of gradient boosting (module 4's split, AUC on its test "
                  "leads):", "", "| training leads | fit (s) | test AUC |", "|---:|---:|---:|"]
        lines += [f"| {n:,} | {s:.1f} | {a:.4f} |" for n, s, a in curve]
    lines += render_fit_once(fit_once)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a kept benchmark report folder")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument("--out", type=Path, default=PROFILE)
    args = parser.parse_args(argv)
    derive, state = derive_steps(args.report)
    curve = [] if args.no_curve else learning_curve(state)
    fit_once = None if args.no_curve else fit_once_check(state)
    text = render(args.report, derive, fit_cells(args.report), curve, fit_once)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
