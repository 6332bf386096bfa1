"""helpers.runner.execute: what a notebook's error means (a skip or a failure, in one
sentence). Executing notebooks is tested in test_runner_kernels.py and test_runner_run.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
from papermill.exceptions import PapermillExecutionError

from helpers import runner as run
from helpers.core import paths


def _error(ename: str, evalue: str) -> PapermillExecutionError:
    return PapermillExecutionError(
        cell_index=3, exec_count=4, source="x", ename=ename, evalue=evalue, traceback=[]
    )


def test_skip_reason_only_for_module_skipped():
    assert run.skip_reason(_error("ModuleSkipped", "no  opportunities\ntable")) == (
        "no opportunities table"
    )
    assert run.skip_reason(_error("ModuleSkipped", "")) == "no reason given"
    assert run.skip_reason(_error("ZeroDivisionError", "division by zero")) is None
    assert run.skip_reason(ValueError("ModuleSkipped")) is None


def test_failure_sentence_names_notebook_cell_error_and_partial_file():
    nb = run.Notebook(path=Path("/nb/02_funnel.ipynb"), number="02")
    saved = Path("/r/failed/02_funnel.ipynb")
    sentence = run.failure_sentence(_error("KeyError", "'stage'\n"), nb, saved)
    assert sentence == (
        "02_funnel failed in cell [4] with KeyError: 'stage'; "
        "the partially executed notebook is /r/failed/02_funnel.ipynb."
    )
    long = run.failure_sentence(RuntimeError("x" * 500), nb, None)
    assert long.startswith("02_funnel failed with RuntimeError: xxx") and long.endswith("....")
    assert len(long) < 450


# --------------------------------------------------------------------------- renderings

PNG = (  # one white pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
    "WjR9awAAAABJRU5ErkJggg=="
)


def executed_notebook():
    """A small executed notebook with every kind of cell and output a module produces."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    code = v4.new_code_cell
    nb.cells = [
        v4.new_markdown_cell("# Funnel leakage\n\nThe next cell ranks the leaks."),
        code('org_dir = "datasets/sample"', metadata={"tags": ["parameters"]}),
        code('# Parameters\norg_dir = "datasets/x"', metadata={"tags": ["injected-parameters"]}),
        code("import helpers_secret_import", outputs=[
            v4.new_output("stream", name="stderr", text="DeprecationWarning: old\n")]),
        code("ranking_table_call()", outputs=[
            v4.new_output("stream", name="stdout", text="Biggest leak: sal->sql\n"),
            v4.new_output("display_data", data={"text/html": "<table><td>1,096</td></table>",
                                                "text/plain": "table"}),
        ]),
        code("draw_the_leak_chart();", outputs=[
            v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]),
        code("record_figures_dict", outputs=[
            v4.new_output("execute_result", data={"text/plain": "{'lost': 1096}"},
                          execution_count=5)]),
        code("hidden_cell_call()", metadata={"tags": ["report-hide"]}, outputs=[
            v4.new_output("stream", name="stdout", text="for analysts only\n")]),
        code("raise_skip()", outputs=[
            v4.new_output("error", ename="ModuleSkipped", evalue="x", traceback=["Trace"])]),
        v4.new_markdown_cell("**What to notice.** The leak is on the sales side."),
    ]
    return nb


def test_business_notebook_keeps_what_a_director_reads():
    kept = run.business_notebook(executed_notebook())
    kinds = [(c.cell_type, [o.output_type for o in c.get("outputs", [])]) for c in kept.cells]
    assert kinds == [
        ("markdown", []),
        ("code", ["stream", "display_data"]),  # the printed sentence and the table
        ("code", ["display_data"]),  # the chart
        ("markdown", []),
    ]
    assert executed_notebook().cells[3].outputs  # the original is not modified


def test_business_html_has_no_code_and_the_analyst_page_has_it(tmp_path):
    nb_path = tmp_path / "02_funnel_leakage.ipynb"
    nbformat.write(executed_notebook(), nb_path)
    report, analyst = run.export_renderings(nb_path)
    assert (report.name, analyst.name) == (
        "02_funnel_leakage.html", "02_funnel_leakage.analyst.html"
    )
    business = report.read_text()
    for code in ("ranking_table_call", "draw_the_leak_chart", "import helpers_secret_import",
                 "org_dir", "record_figures_dict", "DeprecationWarning", "for analysts only",
                 "ModuleSkipped"):
        assert code not in business, code
    assert 'class="jp-CodeMirrorEditor' not in business and 'class="jp-InputPrompt' not in business
    for shown in ("Biggest leak: sal-&gt;sql", "<td>1,096</td>", "data:image/png;base64",
                  "What to notice.", "The next cell ranks the leaks."):
        assert shown in business, shown
    assert 'href="index.html"' in business and 'href="02_funnel_leakage.analyst.html"' in business
    assert "<title>02_funnel_leakage</title>" in business
    with_code = analyst.read_text()
    assert "ranking_table_call" in with_code and 'class="jp-CodeMirrorEditor' in with_code
    assert 'href="02_funnel_leakage.html"' in with_code


def test_finish_notebook_records_no_machine_path(tmp_path):
    """The injected parameters, papermill's metadata and any output name the report folder
    and the org folder without the machine's absolute paths."""
    work = tmp_path / "reports" / ".acme.tmp-1"
    final = tmp_path / "reports" / "acme"
    org = tmp_path / "exports" / "acme_crm"
    work.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            f'# Parameters\norg_dir = "{org}"\noutput_dir = "{work}"\n',
            metadata={"tags": ["injected-parameters"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout",
                                            text=f"Written {work}/icp.yml from {org}/leads.csv\n")],
        )
    ]
    nb.metadata["papermill"] = {
        "parameters": {"org_dir": str(org), "output_dir": str(work)},
        "input_path": str(paths.NOTEBOOKS / "01_define_icp.ipynb"),
        "output_path": str(work / "01_define_icp.ipynb"),
    }
    path = work / "01_define_icp.ipynb"
    nbformat.write(nb, path)
    run.finish_notebook(path, work, final)
    text = path.read_text()
    for machine in (str(tmp_path), str(paths.REPO_ROOT)):
        assert machine not in text
    done = nbformat.read(path, as_version=4)
    assert done.cells[0].source == '# Parameters\norg_dir = "acme_crm"\noutput_dir = "acme"\n'
    assert done.cells[0].outputs[0].text == "Written acme/icp.yml from acme_crm/leads.csv\n"
    assert done.metadata.papermill.input_path == "notebooks/01_define_icp.ipynb"
    assert done.metadata.kernelspec.name == "python3"
