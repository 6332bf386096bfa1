"""The organizations the workshop notebooks run on, and a notebook's parameters read back.

Workshops 1-4 read an org folder (``org_dir``, the sample by default); the capstone and the
alignment meeting generate theirs with :mod:`helpers.synth`, so that nobody answers from
memory: :func:`capstone_org` (another market, another funnel) and :func:`meeting_org` (the
sample's company on the week an incident hit its funnel). :func:`notebook_parameters` reads a
notebook's ``parameters`` cell, so the answer key binds the checks exactly as the solution
does (:func:`org_for_parameters`).
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path
from typing import Any

#: The capstone's defaults: the ``alt`` scenario with a seed no exercise or test uses, on
#: which every rule the capstone asks for exists (an ICP rule, a touches plateau).
CAPSTONE_SCENARIO, CAPSTONE_SEED, CAPSTONE_LEADS = "alt", 2025, 3000

#: The meeting org's defaults: the sample's company, its sales regime switching on
#: ``MEETING_INCIDENT`` (an SDR left) three weeks before the export.
MEETING_SEED, MEETING_INCIDENT = 42, "2024-12-09"
MEETING_NAME = "Northwind Analytics (meeting week)"


def generated_org(config):
    """Generate a :class:`helpers.synth.SynthConfig` into a temporary folder and load it.

    The folder is removed once loaded: the returned :class:`OrgData` holds every table.
    """
    from helpers import synth
    from helpers.data import load_org

    with tempfile.TemporaryDirectory() as tmp:
        synth.write_org(config, Path(tmp) / "org")
        return load_org(Path(tmp) / "org")


def capstone_org(
    scenario: str = CAPSTONE_SCENARIO, seed: int = CAPSTONE_SEED, n_leads: int = CAPSTONE_LEADS
):
    """The capstone's organization: a generator scenario with a seed nobody has seen.

    Parameters
    ----------
    scenario : str
        A key of :data:`helpers.synth.SCENARIOS` (default ``"alt"``, a health-care cloud
        vendor: another ICP, another leak, another touches curve than the sample).
    seed : int
        The generator's seed: a new seed is a new organization.
    n_leads : int
        Leads generated.

    Raises
    ------
    ValueError
        When ``scenario`` is not a known scenario.
    """
    from helpers import synth

    if scenario not in synth.SCENARIOS:
        raise ValueError(
            f"'{scenario}' is not a generator scenario; use one of: "
            f"{', '.join(sorted(synth.SCENARIOS))}."
        )
    return generated_org(synth.SCENARIOS[scenario].replace(seed=int(seed), n_leads=int(n_leads)))


def incident_regime():
    """The sales regime after the meeting org's incident: an SDR left.

    MQLs go unanswered or are answered late, more of them are rejected and fewer touches
    are made; marketing's MQL rule is unchanged.
    """
    from helpers.synth.config import SalesRegime

    return SalesRegime(
        mql_min_touches=2, mql_min_score=5, mql_min_fit=1, reject_low_fit=0.3,
        reject_other=0.3, response={"<1h": 0.10, "1-24h": 0.30, ">24h": 0.35, "never": 0.25},
        under_worked_share=0.6, touches_mean=4.0,
    )


def meeting_org(seed: int = MEETING_SEED, incident: str = MEETING_INCIDENT):
    """The alignment meeting's organization: the sample's company, the week after an incident.

    The sample's configuration, working as an aligned company (the sample's "after" regime)
    until ``incident``, then as :func:`incident_regime`. The generator names the switch date
    ``alignment_start`` in the org's parameters; here it marks the incident.

    Parameters
    ----------
    seed : int
        The generator's seed.
    incident : str
        The date (``YYYY-MM-DD``) the incident began, inside the exported history.
    """
    from helpers import synth

    base = synth.SCENARIOS["sample"]
    config = base.replace(
        name=MEETING_NAME, seed=int(seed), alignment_start=str(incident),
        before=base.after, after=incident_regime(),
    )
    return generated_org(config)


def notebook_parameters(path: str | Path) -> dict[str, Any]:
    """The literal values of a notebook's cell tagged ``parameters``.

    Raises
    ------
    ValueError
        When the notebook has no parameters cell, or a parameter is not a literal.
    """
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ValueError(f"{Path(path).name} has no cell tagged 'parameters'.")
    values = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise ValueError(
                    f"{Path(path).name}: parameter '{node.targets[0].id}' is not a literal."
                ) from exc
    return values


def org_for_parameters(params: dict[str, Any]):
    """The organization a notebook with these parameters runs on.

    ``org_dir`` (an org folder, relative to the repository root) when it is set; else
    ``capstone_seed`` (with ``scenario`` and ``n_leads``) for the capstone, ``meeting_seed``
    (with ``incident``) for the meeting, else the sample.
    """
    from helpers.core import paths
    from helpers.data import load_org

    if params.get("org_dir"):
        org_dir = Path(params["org_dir"])
        return load_org(org_dir if org_dir.is_absolute() else paths.REPO_ROOT / org_dir)
    if "capstone_seed" in params:
        return capstone_org(
            params.get("scenario", CAPSTONE_SCENARIO), params["capstone_seed"],
            params.get("n_leads", CAPSTONE_LEADS),
        )
    if "meeting_seed" in params:
        return meeting_org(params["meeting_seed"], params.get("incident", MEETING_INCIDENT))
    return load_org(paths.SAMPLE_ORG)
