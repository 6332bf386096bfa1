"""helpers.runner.kernels: notebooks run in this environment's Python, whatever kernelspec
they were saved with; kernels started ahead preload quietly, a notebook stopped by the
runner has its kernel killed, and no kernel outlives a run."""

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


def kernels_alive() -> list:
    """The kernel processes this test process started that are still running (other
    children, such as multiprocessing's resource tracker after a Dask cluster, are not
    kernels)."""
    import psutil

    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                alive.append(child)
        except psutil.Error:
            continue
    return alive


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
            "{'executable': sys.executable, 'prefix': sys.prefix, 'cwd': os.getcwd(),"
            " 'omp': os.environ.get('OMP_WAIT_POLICY')}))"
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
def test_notebook_runs_in_this_environments_python(tmp_path, kernelspec, monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
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
    assert seen["omp"] == "PASSIVE"  # idle OpenMP threads sleep: no spinning on busy cores


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
    assert not kernels_alive()


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_runs_in_one_process_leave_no_kernel_behind(tmp_path):

    for i in range(2):
        result = run.run_org(FIXTURES / "org", out=tmp_path / f"r{i}",
                             notebooks_dir=FIXTURES / "notebooks", echo=lambda _line: None)
        assert result.ok, result.message
        assert not kernels_alive()
    with pytest.raises(Exception, match="lead_id"):  # fails while loading: the kernel is killed
        run.run_org(FIXTURES / "bad_org", out=tmp_path / "bad", notebooks_dir=FIXTURES / "notebooks",
                    echo=lambda _line: None)
    assert not kernels_alive()


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_a_failure_kills_the_notebook_running_beside_it(tmp_path):
    """00 fails at once while 01 would sleep for a minute: 01's kernel is killed, the run
    ends in seconds and no kernel outlives it."""
    import shutil
    import time


    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(FIXTURES / "notebooks" / "00_first.ipynb", folder / "00_first.ipynb")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir = "x"  # where to write')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(60)")]
    nbformat.write(nb, folder / "01_sleeps.ipynb")
    io = {k: run.ModuleIO(reads=("tables",)) for k in ("00_first", "01_sleeps")}
    t0 = time.perf_counter()
    result = run.run_org(FIXTURES / "org", out=tmp_path / "out", notebooks_dir=folder,
                         parameters={"fail": True}, parallel=2, module_io=io,
                         echo=lambda _line: None)
    assert time.perf_counter() - t0 < 40
    assert not result.ok and "00_first failed" in result.message
    assert not kernels_alive()


def test_kill_kernel_is_harmless_on_anything():
    run.kill_kernel(None)
    run.kill_kernel(object())
