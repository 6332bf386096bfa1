"""Notebooks run in this environment's Python, whatever kernelspec they were saved with."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import run


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
    assert Path(seen["cwd"]).resolve() == run.paths.REPO_ROOT.resolve()


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
