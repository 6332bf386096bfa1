"""``python -m helpers.workshop`` (``helpers/workshop/cli.py``)."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from helpers import workshop
from helpers.core import paths


def test_main_check_reports_drift(make_solution, tmp_path, monkeypatch, capsys):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(make_solution(), sol / "01_a.ipynb")
    monkeypatch.setattr(paths, "SOLUTIONS", sol)
    monkeypatch.setattr(paths, "EXERCISES", ex)
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    assert workshop.main(["check"]) == 1
    assert "01_a.ipynb" in capsys.readouterr().out
    assert workshop.main(["generate"]) == 0
    assert workshop.main(["check"]) == 0
    assert workshop.main(["execute-solutions", "99"]) == 2
    assert "No solution notebook matches 99" in capsys.readouterr().out


def test_python_dash_m_runs_the_command_line():
    """``make solutions`` runs ``python -m helpers.workshop execute-solutions``."""
    out = subprocess.run(
        [sys.executable, "-m", "helpers.workshop", "--help"],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: python -m helpers.workshop")
    assert "execute-solutions" in out.stdout and "generate" in out.stdout


def test_material_commands_refuse_bad_arguments(capsys):
    assert workshop.main(["answer-key", "--org", "no/such/folder"]) == 2
    assert "is not a folder" in capsys.readouterr().out
    assert workshop.main(["slides", "99"]) == 2
    assert "No solution notebook matches 99" in capsys.readouterr().out
