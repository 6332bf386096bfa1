"""The export shapes' test orgs and their runs, shared by the shape and fuzz tests.

Each shape folder (``tests/shapes/<shape>/``) holds an export and its edited ``org.yml``;
:func:`org_copy` copies it (or, for ``canonical``, generates a small org with
``helpers.synth``: the sample's own shape) into a temporary folder, and :func:`cli_run` runs
the command line on it: ``init`` on the export files, ``check``, then ``run --html``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers.runner.cli import main

HERE = Path(__file__).parent
SHAPES = ("lead_only", "opportunity_only", "no_id_contacts", "stage_gaps", "canonical")
#: Notebooks each shape runs (the others are skipped with the readiness sentence).
EXPECTED_RUNS = {
    "lead_only": {"00_data_check", "01_define_icp", "04_mql_classifier"},
    "opportunity_only": {"00_data_check", "01_define_icp", "02_funnel_leakage",
                         "03_revenue_growth", "04_mql_classifier"},
    "no_id_contacts": {"00_data_check", "01_define_icp", "04_mql_classifier"},
    "stage_gaps": {"00_data_check", "01_define_icp", "02_funnel_leakage", "03_revenue_growth",
                   "04_mql_classifier"},
    "canonical": {"00_data_check", "01_define_icp", "02_funnel_leakage", "03_revenue_growth",
                  "04_mql_classifier"},
}
CANONICAL_LEADS = 300
CANONICAL_SEED = 5


def org_copy(shape: str, dest: Path) -> Path:
    """A copy of the shape's export files and edited org.yml in ``dest/<shape>``."""
    org = dest / shape
    if shape == "canonical":
        from helpers import synth

        synth.write_org(
            synth.SCENARIOS["sample"].replace(n_leads=CANONICAL_LEADS, seed=CANONICAL_SEED), org
        )
        for extra in ("truths.yml", "lead_truths.csv"):
            (org / extra).unlink(missing_ok=True)
        return org
    shutil.copytree(HERE / shape, org)
    return org


def exports(org: Path) -> list[Path]:
    """The export files of an org folder (everything but org.yml)."""
    return sorted(p for p in org.iterdir() if p.suffix == ".csv")


@dataclass
class ShapeRun:
    """What the command line did on one shape."""

    org: Path
    out: Path
    draft: str
    init_code: int
    check_code: int
    run_code: int

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))


def cli_run(shape: str, tmp: Path) -> ShapeRun:
    """``init`` (into a scratch folder), ``check`` and ``run --html`` on one shape."""
    org = org_copy(shape, tmp)
    scratch = tmp / f"{shape}_init"
    init_code = main(["init", *map(str, exports(org)), "--out", str(scratch)])
    draft = (scratch / "org.yml").read_text(encoding="utf-8") if init_code == 0 else ""
    check_code = main(["check", str(org)])
    out = tmp / f"{shape}_report"
    run_code = main(["run", str(org), "--html", "--out", str(out)])
    return ShapeRun(org, out, draft, init_code, check_code, run_code)


__all__ = ["EXPECTED_RUNS", "SHAPES", "ShapeRun", "cli_run", "exports", "org_copy"]
