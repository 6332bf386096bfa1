"""Which notebooks a run executes, and with which parameters.

Discovery of the ``NN_*.ipynb`` notebooks and of the names their ``parameters`` cell
declares (papermill's inspection), ``--only`` selection, ``-p name=value`` parsing, and the
precedence: the notebook's default < ``org.yml: parameters`` < ``-p``. A ``-p`` name that no
selected notebook declares is an error naming the closest declared names, and so is an
``org.yml`` parameter that no notebook declares.

The runner's own parameters (``org_dir``, ``output_dir``) are recorded without machine
paths: :func:`runner_parameters` injects them relative to the repository, and
:func:`portable_text` rewrites any absolute path left in an executed notebook.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.core import paths
from helpers.runner.kernels import KERNEL_NAME

#: Parameters the runner always sets itself (see :func:`runner_parameters`).
RUNNER_PARAMETERS = ("org_dir", "output_dir")
NOTEBOOK_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")


# --------------------------------------------------------------------------- notebooks


@dataclass(frozen=True)
class Notebook:
    """One curriculum notebook and the parameters its ``parameters`` cell declares.

    Attributes
    ----------
    path : Path
        The ``.ipynb`` file.
    number : str
        Its two-digit prefix, e.g. ``"02"``.
    declared : dict
        Parameter name -> default value as written in the cell (source text).
    inferred_types : dict
        Parameter name -> papermill's inferred type name (``"int"``, ``"str"``, ...).
    """

    path: Path
    number: str
    declared: dict[str, str] = field(default_factory=dict)
    inferred_types: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The notebook's stem, e.g. ``"00_data_check"``."""
        return self.path.stem


def discover_notebooks(notebooks_dir: str | Path | None = None) -> list[Notebook]:
    """The ``NN_*.ipynb`` notebooks of ``notebooks_dir``, in teaching order.

    Parameters
    ----------
    notebooks_dir : path-like, optional
        Folder to scan; default the curriculum's ``notebooks/``.

    Returns
    -------
    list of Notebook
        Sorted by file name, each with its declared parameters.
    """
    folder = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS
    if not folder.is_dir():
        raise ValueError(f"The notebooks folder {folder} does not exist.")
    found = []
    for nb_path in sorted(folder.iterdir()):
        m = NOTEBOOK_PATTERN.match(nb_path.name)
        if not m or not nb_path.is_file():
            continue
        params = read_parameters(nb_path)
        found.append(
            Notebook(
                path=nb_path.resolve(),
                number=m.group(1),
                declared={k: str(v.get("default")) for k, v in params.items()},
                inferred_types={k: _default_type(v) for k, v in params.items()},
            )
        )
    if not found:
        raise ValueError(f"No notebooks named NN_topic.ipynb were found in {folder}.")
    return found


def read_parameters(nb_path: str | Path) -> dict[str, dict]:
    """The names declared in a notebook's ``parameters`` cell (papermill's inspection).

    Returns
    -------
    dict
        Name -> ``{name, inferred_type_name, default, help}``; empty without a
        ``parameters`` cell. Works whatever kernelspec the file was saved with.
    """
    import nbformat
    from papermill.translators import papermill_translators

    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - unreadable JSON, wrong format...
        raise ValueError(f"{nb_path}: not a readable notebook ({exc}).") from None
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    translator = papermill_translators.find_translator(KERNEL_NAME, "python")
    return {p.name: p._asdict() for p in translator.inspect(cells[0])}


def _default_type(param: dict) -> str:
    """Type name of a parameter: its annotation, else the type of its literal default."""
    import ast

    annotated = str(param.get("inferred_type_name") or "None")
    if annotated != "None":
        return annotated
    try:
        value = ast.literal_eval(str(param.get("default")))
    except (ValueError, SyntaxError):
        return "None"
    return type(value).__name__


def select_notebooks(notebooks: Sequence[Notebook], only: Iterable[str] | None) -> list[Notebook]:
    """Keep the notebooks named by ``only`` (``"02"``, ``"2"`` or ``"02_funnel_leakage"``).

    Raises
    ------
    ValueError
        When a name matches no notebook (the message lists the available ones).
    """
    if not only:
        return list(notebooks)
    wanted: set[str] = set()
    for raw in only:
        name = str(raw).strip().removesuffix(".ipynb")
        hits = [
            nb
            for nb in notebooks
            if name == nb.key or (name.isdigit() and int(name) == int(nb.number))
        ]
        if not hits:
            available = ", ".join(f"{nb.number} ({nb.key})" for nb in notebooks)
            raise ValueError(f"--only {raw}: no such notebook; available: {available}.")
        wanted.update(nb.key for nb in hits)
    return [nb for nb in notebooks if nb.key in wanted]


def known_notebooks(
    notebooks: Sequence[Notebook], notebooks_dir: str | Path | None
) -> list[Notebook]:
    """The notebooks whose parameters an ``org.yml`` may set.

    ``org.yml`` parameters are written for the curriculum: with another notebooks folder,
    a name the curriculum declares is still valid (it is simply not passed on).
    """
    known = list(notebooks)
    if notebooks_dir is not None and Path(notebooks_dir).resolve() != paths.NOTEBOOKS.resolve():
        if paths.NOTEBOOKS.is_dir() and any(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
            known += discover_notebooks(paths.NOTEBOOKS)
    return known


# --------------------------------------------------------------------------- -p values


def parse_value(text: str) -> Any:
    """Read a ``-p`` value as a YAML literal (``12`` -> int, ``0.5`` -> float, ``[a, b]`` -> list).

    Dates are kept as ISO text (``2024-07-01``); text that is not valid YAML is kept as text.
    """
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return _dates_as_text(value)


def _dates_as_text(value: Any) -> Any:
    """Dates -> ISO strings, recursively (papermill only injects JSON-like literals)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def parse_parameter_args(items: Iterable[str] | None) -> dict[str, Any]:
    """Turn ``["name=value", ...]`` from the command line into a dict of literals.

    Raises
    ------
    ValueError
        When an item has no ``=`` or its name is not a valid Python name.
    """
    out: dict[str, Any] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"-p {item!r}: write parameters as name=value, e.g. -p seed=7.")
        if not name.isidentifier():
            raise ValueError(f"-p {item!r}: '{name}' is not a valid parameter name.")
        out[name] = parse_value(value.strip())
    return out


# --------------------------------------------------------------------------- precedence


def _closest(name: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'x'?"``, or the declared names when none is close."""
    cands = sorted(set(candidates))
    close = difflib.get_close_matches(name, cands, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return (
        "declared parameters: " + ", ".join(cands) + "." if cands else "no parameters are declared."
    )


def _check_type(name: str, value: Any, nb: Notebook, origin: str) -> None:
    """Refuse text where the notebook's default is a number (a typo caught early)."""
    kind = nb.inferred_types.get(name, "")
    if kind in {"int", "float"} and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(
            f"{origin} {name}={value!r}: {nb.key} expects a number here "
            f"(its default is {nb.declared.get(name)})."
        )


def _check_names(
    selected: Sequence[Notebook],
    everyone: Sequence[Notebook],
    org_parameters: dict[str, Any],
    cli_parameters: dict[str, Any],
) -> None:
    """Refuse runner names, ``-p`` names no selected notebook declares, and ``org.yml``
    names no notebook of the curriculum declares."""
    for origin, given in (("-p", cli_parameters), ("org.yml parameters:", org_parameters)):
        for name in given:
            if name in RUNNER_PARAMETERS:
                hint = "give the org folder as the argument" if name == "org_dir" else "use --out"
                raise ValueError(f"{origin} {name} is set by the runner; {hint} instead.")

    declared_selected = {n for nb in selected for n in nb.declared}
    for name in cli_parameters:
        if name not in declared_selected:
            keys = ", ".join(nb.key for nb in selected)
            valid = declared_selected - set(RUNNER_PARAMETERS)
            raise ValueError(
                f"-p {name}: no notebook in this run ({keys}) declares a parameter "
                f"named '{name}'; {_closest(name, valid)}"
            )
    declared_all = {n for nb in everyone for n in nb.declared}
    for name in org_parameters:
        if name not in declared_all:
            valid = declared_all - set(RUNNER_PARAMETERS)
            raise ValueError(
                f"org.yml parameters: '{name}' is not a parameter of any notebook; "
                f"{_closest(name, valid)}"
            )


def resolve_parameters(
    selected: Sequence[Notebook],
    org_parameters: dict[str, Any] | None = None,
    cli_parameters: dict[str, Any] | None = None,
    *,
    all_notebooks: Sequence[Notebook] | None = None,
) -> dict[str, dict[str, Any]]:
    """The parameters to inject into each selected notebook (runner paths excluded).

    Precedence: notebook default < ``org.yml: parameters`` < ``-p``. Each notebook
    receives only the names its ``parameters`` cell declares; names it does not
    declare keep its default.

    Parameters
    ----------
    selected : sequence of Notebook
        The notebooks this run executes.
    org_parameters : dict, optional
        ``org.yml: parameters``.
    cli_parameters : dict, optional
        ``-p name=value`` pairs, already parsed.
    all_notebooks : sequence of Notebook, optional
        Every notebook of the curriculum (default: ``selected``); an ``org.yml``
        parameter must be declared by at least one of them.

    Returns
    -------
    dict
        Notebook key -> {name: value} to inject.

    Raises
    ------
    ValueError
        For a ``-p`` name no selected notebook declares, an ``org.yml`` parameter no
        notebook declares, an attempt to set ``org_dir``/``output_dir``, or text given
        where a notebook expects a number.
    """
    org_parameters = dict(org_parameters or {})
    cli_parameters = dict(cli_parameters or {})
    everyone = list(all_notebooks) if all_notebooks is not None else list(selected)
    _check_names(selected, everyone, org_parameters, cli_parameters)

    out: dict[str, dict[str, Any]] = {}
    for nb in selected:
        injected: dict[str, Any] = {}
        for origin, given in (("org.yml parameters:", org_parameters), ("-p", cli_parameters)):
            for name, value in given.items():
                if name in nb.declared:
                    value = _dates_as_text(value)
                    _check_type(name, value, nb, origin)
                    injected[name] = value
        out[nb.key] = injected
    return out


def describe_overrides(
    injected: dict[str, dict[str, Any]], org: dict[str, Any], cli: dict[str, Any]
) -> str:
    """``"threshold=0.75 (-p), label='x' (org.yml)"`` for the parameters a run injects."""
    names: dict[str, Any] = {}
    for params in injected.values():
        names.update(params)
    parts = []
    for name, value in names.items():
        origin = "-p" if name in cli else "org.yml" if name in org else "?"
        parts.append(f"{name}={value!r} ({origin})")
    return ", ".join(parts)


# --------------------------------------------------------------------------- runner paths


def runner_parameters(
    parameters: dict[str, Any] | None, cwd: str | Path | None = None
) -> dict[str, Any]:
    """``parameters`` with the runner's paths (``org_dir``, ``output_dir``) as injected.

    When the kernel runs in the repository root (``cwd``, default), a folder inside the
    repository is given relative to it (``"datasets/sample"``), so that the executed
    notebook records no machine path and can be rerun as it is. Any other value is left
    as it is (a folder outside the repository keeps its absolute path: the kernel needs
    it), and :func:`portable_text` rewrites it in the executed notebook.
    """
    out = dict(parameters or {})
    workdir = paths.resolve(cwd).resolve() if cwd is not None else paths.REPO_ROOT
    if workdir != paths.REPO_ROOT:
        return out
    for name in RUNNER_PARAMETERS:
        value = out.get(name)
        if not isinstance(value, str | Path) or not Path(value).is_absolute():
            continue
        resolved = Path(value).resolve()
        if resolved == paths.REPO_ROOT or paths.REPO_ROOT in resolved.parents:
            out[name] = paths.portable(resolved)
    return out


def path_replacements(
    run_dir: str | Path, report_dir: str | Path, org_dir: str | Path | None = None
) -> list[tuple[str, str]]:
    """``(machine path, recorded path)`` pairs, most specific first.

    Parameters
    ----------
    run_dir : path-like
        The temporary folder the notebooks ran in (recorded as the report folder).
    report_dir : path-like
        The final report folder.
    org_dir : path-like, optional
        The organization folder.
    """
    report = paths.portable(report_dir)
    pairs: list[tuple[str, str]] = []
    for folder in (run_dir, report_dir, org_dir):
        if folder is None:
            continue
        target = report if folder is not org_dir else paths.portable(org_dir)
        for form in {str(Path(folder)), str(paths.resolve(folder).resolve())}:
            pairs.append((form, target))
    pairs.append((paths.portable(run_dir), report))
    root = str(paths.REPO_ROOT)
    pairs += [(root + "/", ""), (root, ".")]
    pairs = [(old, new) for old, new in pairs if old and old != new and old != "."]
    return sorted(dict(pairs).items(), key=lambda pair: -len(pair[0]))


def portable_text(text: str, replacements: Sequence[tuple[str, str]]) -> str:
    """``text`` with every machine path of ``replacements`` replaced by its recorded form."""
    for old, new in replacements:
        text = text.replace(old, new)
    return text
