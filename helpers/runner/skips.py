"""Modules the readiness contract says cannot run: recorded as skipped, with a short page.

Before a notebook runs, the runner asks :func:`helpers.data.readiness.assess` whether the
data can feed it. When it cannot, the notebook is not executed: :func:`write_skipped` puts a
short page in its place in the report (a notebook of two markdown cells: the module's title,
the one-sentence reason, what the module needs) and records ``{"skipped": reason}`` under the
module's key of ``summary.json``, exactly as a notebook stopped by
:func:`helpers.core.report.skip_module` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.runner.execute import SKIP_ENAME
from helpers.runner.kernels import KERNELSPEC

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from helpers.data.readiness import Readiness
    from helpers.runner.params import Notebook


def notebook_title(path: Path) -> str:
    """The first markdown heading of a notebook, without its ``#`` (its stem when none)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return path.stem


def skip_page(title: str, ready: Readiness, key: str, org_name: str | None = None) -> NotebookNode:
    """The page a skipped module leaves in the report.

    Parameters
    ----------
    title : str
        The module's title (its notebook's first heading).
    ready : Readiness
        The decisions of :func:`helpers.data.readiness.assess`.
    key : str
        The notebook's key, e.g. ``"03_revenue_growth"``.
    org_name : str, optional
        The organization, named in the page.
    """
    import nbformat

    from helpers.data.contracts import CONTRACTS

    decision = ready.module(key)
    contract = next(c for c in CONTRACTS if c.notebook == decision.notebook)
    number = key.split("_")[0]
    who = f" on {org_name}'s data" if org_name else ""
    needs = "\n".join(f"- {n.what[0].upper()}{n.what[1:]}." for n in contract.needs)
    head = (
        f"# {title}\n\n"
        f"**Not run{who}.** {decision.reason}\n"
    )
    body = (
        "## What this module needs\n\n"
        f"{needs}\n\n"
        "`alignment-edge check` lists, for every module and section, what the export feeds and "
        "what it lacks. Map the missing input in `org.yml` (see `docs/bring-your-own-data.md`), "
        f"then run this module again with `alignment-edge run ORG_DIR --only {number}`."
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(head), nbformat.v4.new_markdown_cell(body)]
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["alignment_edge"] = {"skipped": decision.reason}
    return nb


def write_skipped(
    nb: Notebook, ready: Readiness, folder: Path, org_name: str | None = None
) -> tuple[Path, str]:
    """Write the skip page of ``nb`` into ``folder`` and record the skip in ``summary.json``.

    Returns
    -------
    (Path, str)
        The page written (``folder/<notebook>.ipynb``) and the reason.
    """
    import nbformat

    from helpers.core import report

    decision = ready.module(nb.key)
    page = skip_page(notebook_title(nb.path), ready, nb.key, org_name)
    out = folder / nb.path.name
    nbformat.write(page, str(out))
    report.record(folder, decision.module, {"skipped": decision.reason})
    return out, decision.reason


class NotReady(Exception):
    """A module the readiness contract says cannot run: counted as a skip, like a notebook
    stopped by :func:`helpers.core.report.skip_module` (same ``ename``)."""

    ename = SKIP_ENAME

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.evalue = reason


def skip_unready(
    nb: Notebook,
    ready: Readiness | None,
    folder: Path,
    org_name: str | None,
    kernel: Any = None,
) -> None:
    """Do nothing when ``nb`` can run; else write its skip page and raise :class:`NotReady`.

    The kernel started ahead for ``nb`` (still importing its modules) is killed first: a
    shutdown request in the middle of its imports would make it print a traceback.
    """
    reason = None if ready is None else ready.skip_reason(nb.key)
    if reason is not None:
        from helpers.runner.kernels import kill_kernel

        kill_kernel(kernel)
        write_skipped(nb, ready, folder, org_name)
        raise NotReady(reason)


def fail_on_skips(result: Any, strict: bool) -> None:
    """With ``--strict``, turn a run that skipped modules into a failed one (in place)."""
    if strict and result.ok and result.skipped:
        first, why = next(iter(result.skipped.items()))
        more = len(result.skipped) - 1
        others = f" (and {more} more)" if more else ""
        result.ok = False
        result.message = (
            f"{first} was skipped{others}, which --strict makes a failure: {why} The previous "
            "report, if any, is unchanged; run without --strict to accept the skips."
        )


def assess(data: Any, injected: dict[str, dict[str, Any]]) -> Readiness:
    """The readiness of the loaded data, with each notebook's resolved parameters."""
    from helpers.data.readiness import assess as assess_data

    return assess_data(data, injected)
