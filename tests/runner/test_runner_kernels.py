"""helpers.runner.kernels: notebooks run in this environment's Python, whatever kernelspec
they were saved with; kernels started ahead preload quietly and never outlive a run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import runner as run
from helpers.core import paths

FIXTURES = Path(__file__).parent / "fixtures"


def _notebook(path: Path, kernelspec: dict) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = kernelspec
    params = new_code_cell('output_dir = "x"  # where to write')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        new_code_cell(
            "import json, os, sys\n"
            "from pathlib import Path\n"
            "Path(output_dir, 'kernel.json').write_text(json.dumps("
            "{'executable': sys.executable, 'prefix': sys.prefix, 'cwd': os.getcwd()}))"
        ),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "kernelspec",
    [
        {"name": "no-such-kernel", "display_name": "Missing", "language": "python"},
        {"name": "conda-env-old-py", "display_name": "Python (old env)", "language": "python"},
    ],
    ids=["bogus", "other-env"],
)
def test_notebook_runs_in_this_environments_python(tmp_path, kernelspec):
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(folder / "00_kernel.ipynb", kernelspec)
    (nb,) = run.discover_notebooks(folder)
    out = tmp_path / "out"
    out.mkdir()
    run.execute_notebook(nb, out / "00_kernel.ipynb", {"output_dir": str(out)})
    seen = json.loads((out / "kernel.json").read_text())
    assert Path(seen["executable"]).resolve() == Path(sys.executable).resolve()
    assert Path(seen["prefix"]).resolve() == Path(sys.prefix).resolve()
    assert Path(seen["cwd"]).resolve() == paths.REPO_ROOT.resolve()


def test_kernel_ignores_a_user_level_python3_kernelspec(tmp_path, monkeypatch):
    """A 'python3' kernelspec earlier on the Jupyter path (another Python) is not used."""
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "Python 3 (elsewhere)",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(
        folder / "00_kernel.ipynb",
        {"name": "python3", "display_name": "Python 3", "language": "python"},
    )
    (nb,) = run.discover_notebooks(folder)
    out = tmp_path / "out"
    out.mkdir()
    run.execute_notebook(nb, out / "00_kernel.ipynb", {"output_dir": str(out)})
    seen = json.loads((out / "kernel.json").read_text())
    assert Path(seen["executable"]).resolve() == Path(sys.executable).resolve()


# --------------------------------------------------------------------------- started ahead


def test_notebook_imports_lists_the_modules_to_preload(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import json\nimport pandas as pd\nfrom helpers import icp\nfrom helpers.core import style"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy"),  # not plain Python: skipped
        nbformat.v4.new_code_cell("def f():\n    import sklearn  # not at the top level\n"
                                  "from helpers.data import load_for_notebook"),
        nbformat.v4.new_markdown_cell("import scipy"),
    ]
    path = tmp_path / "00_x.ipynb"
    nbformat.write(nb, path)
    assert run.notebook_imports(path) == [
        "pandas", "helpers", "helpers.icp", "helpers.core", "helpers.core.style", "helpers.data",
        "helpers.data.load_for_notebook",
    ]


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_a_kernel_started_ahead_has_imported_quietly(tmp_path):
    import psutil

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir = "x"  # where to write')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import sys\nfrom pathlib import Path\n"
            "Path(output_dir, 'seen.txt').write_text(str('helpers.core.report' in sys.modules))\n"
            "import helpers.core.report"
        ),
    ]
    folder = tmp_path / "nbs"
    folder.mkdir()
    nbformat.write(nb, folder / "00_seen.ipynb")
    (note,) = run.discover_notebooks(folder)
    assert run.notebook_imports(note.path) == ["helpers.core.report"]
    km = run.start_kernel(run.notebook_imports(note.path))
    try:
        run.execute_notebook(note, tmp_path / "out.ipynb", {"output_dir": str(tmp_path)}, kernel=km)
    finally:
        run.stop_kernel(km)
    assert (tmp_path / "seen.txt").read_text() == "True"
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))  # the preload took no execution count
    assert not psutil.Process().children(recursive=True)


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_runs_in_one_process_leave_no_kernel_behind(tmp_path):
    import psutil

    for i in range(2):
        result = run.run_org(FIXTURES / "org", out=tmp_path / f"r{i}",
                             notebooks_dir=FIXTURES / "notebooks", echo=lambda _line: None)
        assert result.ok, result.message
        assert not psutil.Process().children(recursive=True)
    with pytest.raises(Exception, match="lead_id"):  # fails while loading: the kernel is killed
        run.run_org(FIXTURES / "bad_org", out=tmp_path / "bad", notebooks_dir=FIXTURES / "notebooks",
                    echo=lambda _line: None)
    assert not psutil.Process().children(recursive=True)


def test_kernel_relay_starts_each_kernel_one_notebook_ahead(monkeypatch):
    from helpers.runner import kernels

    events: list[str] = []
    monkeypatch.setattr(kernels, "_start_ahead", lambda nb: events.append(f"start {nb}") or nb)
    monkeypatch.setattr(kernels, "_request_stop", lambda km: events.append(f"request {km}"))
    monkeypatch.setattr(kernels, "stop_kernel", lambda km, now=False: events.append(
        f"stop {km}{' now' if now else ''}"))
    relay = kernels.KernelRelay(["a", "b"])
    assert events == ["start a"]  # the first kernel boots while the data loads
    assert relay.next() == "a" and events[-1] == "start b"
    relay.retire("a")
    assert relay.next() == "b" and relay.next() is None
    relay.retire("b")
    assert events[-2:] == ["request b", "stop a"]  # a is reaped after the next notebook
    relay.close()
    assert events[-2:] == ["stop None now", "stop b"]
