"""Run the curriculum for one organization (or several) with papermill.

One run = load and validate the org's data once, write the validated tables into
the run's folder, then execute ``notebooks/NN_*.ipynb`` in order, each in the
``python3`` kernel of the environment this code runs in. The run writes into a
temporary folder beside the report (``reports/.sample.tmp-XXXX``) and renames it
into place only when every notebook succeeded, so a failure never damages the
previous report: the failing notebook, partially executed with papermill's error
banner, is saved in ``<report>/failed/`` and the cause is given in one sentence.

Each notebook's kernel is started one step ahead (the first one while the data loads) and
imports the notebook's modules meanwhile, so kernel start-up overlaps the previous step.

Parameter precedence: the notebook's default < ``org.yml: parameters`` < ``-p``.
A ``-p`` name that no selected notebook declares is an error naming the closest
declared names, and so is an ``org.yml`` parameter that no notebook declares.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import difflib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.core import paths
from helpers.core.paths import org_slug

#: Parameters the runner always sets itself (absolute paths).
RUNNER_PARAMETERS = ("org_dir", "output_dir")
#: Kernel every notebook runs in, whatever kernelspec the file was saved with.
KERNEL_NAME = "python3"
NOTEBOOK_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
FAILED_DIR = "failed"
SUMMARY = "summary.json"
RUN_KEY = "_run"
#: Packages whose versions are recorded in ``summary.json: _run.versions``.
VERSIONED_PACKAGES = (
    "pandas",
    "numpy",
    "scikit-learn",
    "statsmodels",
    "scipy",
    "matplotlib",
    "papermill",
)


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


# --------------------------------------------------------------------------- parameters


def parse_value(text: str) -> Any:
    """Read a ``-p`` value as a YAML literal (``12`` -> int, ``0.5`` -> float, ``[a, b]`` -> list).

    Dates are kept as ISO text (``2024-07-01``); text that is not valid YAML is kept as text.
    """
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return _plain(value)


def _plain(value: Any) -> Any:
    """Dates -> ISO strings, recursively (papermill only injects JSON-like literals)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
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


def _closest(name: str, candidates: Iterable[str]) -> str:
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

    out: dict[str, dict[str, Any]] = {}
    for nb in selected:
        injected: dict[str, Any] = {}
        for origin, given in (("org.yml parameters:", org_parameters), ("-p", cli_parameters)):
            for name, value in given.items():
                if name in nb.declared:
                    value = _plain(value)
                    _check_type(name, value, nb, origin)
                    injected[name] = value
        out[nb.key] = injected
    return out


# --------------------------------------------------------------------------- output paths


def default_out(org_name: str, reports_dir: str | Path | None = None) -> Path:
    """``reports/<org slug>``, refusing a name that would land outside ``reports/``."""
    base = Path(reports_dir) if reports_dir is not None else paths.REPORTS
    return paths.safe_join(base, org_slug(org_name), what="The report folder for this org name")


def _check_target(target: Path, org_dir: Path) -> None:
    """Refuse to replace a folder that is not a previous report (or holds the org's data)."""
    target = target.resolve()
    org_dir = org_dir.resolve()
    repo = paths.REPO_ROOT.resolve()
    if target == org_dir or target in org_dir.parents or org_dir in target.parents:
        raise ValueError(
            f"--out {target} overlaps the organization folder {org_dir}; "
            "write the report somewhere else (default: reports/<org>)."
        )
    if target == repo or target in repo.parents or target == Path.home().resolve():
        raise ValueError(f"--out {target} is not a report folder; give a new or report folder.")
    if target.exists():
        if not target.is_dir():
            raise ValueError(f"--out {target} is a file; give a folder.")
        entries = {p.name for p in target.iterdir()}
        if entries and SUMMARY not in entries and entries != {FAILED_DIR}:
            raise ValueError(
                f"--out {target} already exists and is not a report folder (no {SUMMARY}); "
                "give a new folder or a previous report's folder."
            )


# --------------------------------------------------------------------------- kernel


def _kernel_manager_class():
    """A kernel manager that always starts this environment's Python (``sys.executable``)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class EnvironmentKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _encrypt_when_possible(self):
            import zmq

            return "auto" if zmq.has("curve") else "disabled"

        async def _async_interrupt_kernel(self):
            # jupyter_client interrupts before every shutdown; an idle kernel then logs a
            # spurious "KeyboardInterrupt caught in kernel" on the terminal. The shutdown
            # request alone stops it (and a kill follows if it does not).
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        def client(self, **kwargs):
            # Remembered so that a kernel started ahead (and handed to papermill, which then
            # leaves it running) has every client's channels closed with it.
            kc = super().client(**kwargs)
            self.__dict__.setdefault("_ae_clients", []).append(kc)
            return kc

        @property
        def kernel_spec(self):  # noqa: D401 - property of the base class
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[
                        sys.executable,
                        "-Xfrozen_modules=off",
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                    ],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    name=KERNEL_NAME,
                    metadata={"debugger": False, "supported_encryption": ["curve"]},
                )
            return self._kernel_spec

    return EnvironmentKernelManager


_KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"}


def _finish_notebook(path: Path, tmp_dir: Path, final_dir: Path) -> None:
    """Point the executed notebook at the final report folder and the standard kernelspec."""
    import nbformat

    text = path.read_text(encoding="utf-8")
    text = text.replace(str(tmp_dir), str(final_dir))
    nb = nbformat.reads(text, as_version=4)
    nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    nbformat.write(nb, str(path))


def _export_html(nb_path: Path, html_path: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(nb_path), as_version=4)
    resources = {"metadata": {"name": nb_path.stem, "path": str(nb_path.parent)}}
    body, _ = HTMLExporter().from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")


def execute_notebook(
    nb: Notebook,
    out_path: Path,
    parameters: dict[str, Any],
    *,
    progress_bar: bool = False,
    kernel: Any = None,
) -> None:
    """Execute one notebook with papermill in this environment's kernel, ``cwd`` = repo root.

    Parameters
    ----------
    kernel : kernel manager, optional
        A kernel already started by :func:`start_kernel` (the caller stops it with
        :func:`stop_kernel`); default: papermill starts and stops a fresh one.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell raises; ``out_path`` then holds the partially executed notebook.
    """
    import papermill as pm

    extra = {"km": kernel} if kernel is not None else {}
    pm.execute_notebook(
        str(nb.path),
        str(out_path),
        parameters=parameters,
        engine_name=_engine_name(),
        kernel_name=KERNEL_NAME,
        language="python",
        cwd=str(paths.REPO_ROOT),
        progress_bar=progress_bar,
        log_output=False,
        kernel_manager_class=_kernel_manager_class(),
        **extra,
    )


#: While a notebook runs, its partial output is written at most this often (seconds).
SAVE_EVERY = 2.0
ENGINE_NAME = "alignment-edge"
_ENGINE_REGISTERED: list[str] = []


def _engine_name() -> str:
    """papermill's engine, writing the executed notebook at most every ``SAVE_EVERY``
    seconds while it runs (papermill writes it twice per cell, which costs seconds on a
    notebook with many charts), and always when it ends or fails."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if _ENGINE_REGISTERED:
        return ENGINE_NAME

    class ThrottledManager(NotebookExecutionManager):
        def save(self, **kwargs):
            now = time.monotonic()
            last = self.__dict__.get("_last_write")
            if self.__dict__.get("_final") or last is None or now - last >= SAVE_EVERY:
                super().save(**kwargs)
                self._last_write = now

        def notebook_complete(self, **kwargs):
            self._final = True
            super().notebook_complete(**kwargs)

    class ThrottledEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):
            nb_man = ThrottledManager(nb, output_path=output_path, progress_bar=progress_bar,
                                      log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE_NAME, ThrottledEngine)
    _ENGINE_REGISTERED.append(ENGINE_NAME)
    return ENGINE_NAME


#: Top-level packages whose imports a kernel started ahead performs before its notebook.
PRELOAD_PACKAGES = (
    "helpers", "pandas", "numpy", "matplotlib", "seaborn", "scipy", "sklearn", "statsmodels",
    "IPython",
)


def notebook_imports(nb_path: str | Path) -> list[str]:
    """Modules a notebook imports at the top level of its code cells, in order.

    Only modules of :data:`PRELOAD_PACKAGES`; ``from helpers import icp`` gives
    ``helpers`` and ``helpers.icp``. Cells that are not plain Python are skipped.
    """
    import ast

    import nbformat

    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook fails later, with its message
        return []
    found: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(cell.get("source", ""))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append(node.module)
                found += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    wanted = [m for m in found if m.split(".")[0] in PRELOAD_PACKAGES]
    return list(dict.fromkeys(wanted))


_PRELOAD_CODE = """\
def __preload(names):
    import importlib
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
__preload({names!r})
del __preload
"""


def start_kernel(preload: Sequence[str] = ()) -> Any:
    """Start a kernel now (``cwd`` = repo root) for a notebook that runs later.

    The kernel process boots in the background; with ``preload`` it then imports those
    modules (silently: no output, no history, no execution count), so that the notebook's
    own imports find them loaded. Pass it to :func:`execute_notebook` and stop it with
    :func:`stop_kernel`.
    """
    from jupyter_core.utils import run_sync

    km = _kernel_manager_class()(kernel_name=KERNEL_NAME)
    run_sync(km.start_kernel)(cwd=str(paths.REPO_ROOT))
    if preload:
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_file(km.connection_file)
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        kc.execute(_PRELOAD_CODE.format(names=list(preload)), silent=True, store_history=False)
        km.__dict__.setdefault("_ae_clients", []).append(kc)
    return km


def _start_ahead(nb: Notebook) -> Any:
    """A kernel started ahead for ``nb`` with its imports preloaded, or None when that
    fails (papermill then starts one itself, as usual)."""
    try:
        return start_kernel(notebook_imports(nb.path))
    except Exception:  # noqa: BLE001 - only an optimisation
        return None


def _request_stop(km: Any) -> None:
    """Ask a kernel to shut down without waiting for it (:func:`stop_kernel` reaps it)."""
    if km is None:
        return
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.request_shutdown)()
    except Exception:  # noqa: BLE001 - stop_kernel kills it if it did not listen
        pass


def stop_kernel(km: Any, *, now: bool = False) -> None:
    """Shut down a kernel from :func:`start_kernel` and close its clients (never raises).

    ``now=True`` kills it at once: for a kernel that never ran its notebook (it may still
    be importing, and a shutdown request in the middle of that prints a traceback).
    """
    if km is None:
        return
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=now)
    except Exception:  # noqa: BLE001 - a kernel that already died is fine
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001
            pass
    for kc in km.__dict__.pop("_ae_clients", []):
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
    try:
        run_sync(km.cleanup_resources)()
    except Exception:  # noqa: BLE001
        pass


def failure_sentence(exc: BaseException, nb: Notebook, saved: Path | None) -> str:
    """The cause of a notebook failure in one sentence."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc)
    evalue = " ".join(str(evalue).split())
    if len(evalue) > 400:
        evalue = evalue[:397] + "..."
    count = getattr(exc, "exec_count", None)
    cell = f" in cell [{count}]" if count is not None else ""
    where = f"; the partially executed notebook is {saved}" if saved else ""
    msg = f": {evalue}" if evalue else ""
    return f"{nb.key} failed{cell} with {ename}{msg}{where}."


# --------------------------------------------------------------------------- summary


def _versions() -> dict[str, str]:
    import helpers

    out = {"alignment-edge": helpers.__version__, "python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - pinned env
            continue
    return out


def run_entry(data: Any, notebooks_run: Sequence[str], previous: dict | None = None) -> dict:
    """The ``_run`` entry of ``summary.json``: org, currency, data dates, notebooks, versions.

    No timings or run dates (they would change on every run). With ``--only`` the
    notebooks of the previous entry are kept in ``notebooks``.
    """
    from helpers.data import datacheck

    period = getattr(data, "period", None)
    first, last = period if period is not None else datacheck.data_period(data)
    before = list((previous or {}).get("notebooks", []))
    notebooks = sorted(set(before) | set(notebooks_run))
    config = getattr(data, "config", None)
    return {
        "org": getattr(data, "name", None) or getattr(config, "name", None),
        "currency": getattr(data, "currency", None) or getattr(config, "currency", None),
        "data_from": first,
        "data_to": last,
        "notebooks": notebooks,
        "last_run": list(notebooks_run),
        "versions": _versions(),
    }


# --------------------------------------------------------------------------- one org


@dataclass
class RunResult:
    """What a run produced (picklable: crosses process boundaries in multi-org runs)."""

    org_dir: Path
    out: Path | None
    ok: bool
    notebooks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""
    failed_notebook: Path | None = None
    org_name: str | None = None


@dataclass(frozen=True)
class _RunFacts:
    """What ``summary.json: _run`` needs from a load, without the tables."""

    name: str | None
    currency: str | None
    config: Any
    period: tuple[str | None, str | None]

    @classmethod
    def of(cls, data: Any) -> _RunFacts:
        from helpers.data import datacheck

        return cls(getattr(data, "name", None), getattr(data, "currency", None),
                   getattr(data, "config", None), datacheck.data_period(data))


def _release_memory() -> None:
    """Hand the memory of dropped tables back to the system (Arrow keeps a pool)."""
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is pinned
        pass


def _normalise_permissions(folder: Path) -> None:
    """Give files written through private temporary files (mode 600) the usual mode."""
    mode = 0o666 & ~_umask()
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.stat().st_mode & 0o077:
                os.chmod(path, mode)
        except OSError:
            continue


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _echo_default(line: str) -> None:
    print(line, flush=True)


def _copy_previous(target: Path, tmp: Path) -> None:
    """Copy the previous report into the new run's folder (``--only`` keeps the rest)."""
    for item in target.iterdir():
        if item.name in {FAILED_DIR}:
            continue
        dest = tmp / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)


def _remove_abandoned(target: Path, max_age_hours: float = 24.0) -> None:
    """Remove temporary folders that runs killed long ago left beside ``target``."""
    limit = time.time() - max_age_hours * 3600
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for folder in target.parent.glob(pattern):
            try:
                if folder.is_dir() and folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue


def _forget_outputs(folder: Path, notebooks: Sequence[Notebook]) -> None:
    """Remove the previous outputs of notebooks about to run again (``--only``): their
    executed notebook, HTML, ``NN_*`` charts and ``NN_*`` entries of ``summary.json``, so
    nothing stale survives the rerun."""
    from helpers.core import report

    for nb in notebooks:
        for name in (nb.path.name, nb.path.with_suffix(".html").name):
            (folder / name).unlink(missing_ok=True)
        for png in (folder / "figures").glob(f"{nb.number}_*.png"):
            png.unlink()
    summary = report.read_summary(folder)
    prefixes = tuple(f"{nb.number}_" for nb in notebooks)
    kept = {k: v for k, v in summary.items() if not k.startswith(prefixes)}
    if kept != summary:
        report.atomic_write_text(
            folder / SUMMARY, json.dumps(kept, indent=2, sort_keys=True) + "\n"
        )


def _describe_overrides(
    injected: dict[str, dict[str, Any]], org: dict[str, Any], cli: dict[str, Any]
) -> str:
    """``"threshold=0.75 (-p), label='x' (org.yml)"`` for the parameters this run injects."""
    names: dict[str, Any] = {}
    for params in injected.values():
        names.update(params)
    parts = []
    for name, value in names.items():
        origin = "-p" if name in cli else "org.yml" if name in org else "?"
        parts.append(f"{name}={value!r} ({origin})")
    return ", ".join(parts)


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; the previous report is moved aside, then removed."""
    aside = None
    if target.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        aside.rmdir()
        os.replace(target, aside)
    try:
        os.replace(tmp, target)
    except BaseException:
        if aside is not None:
            os.replace(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _save_failed(partial: Path, target: Path, tmp: Path) -> Path | None:
    """Keep the partially executed notebook in ``target/failed/`` (replacing older ones)."""
    if not partial.is_file():
        return None
    failed = target / FAILED_DIR
    if failed.exists():
        shutil.rmtree(failed)
    failed.mkdir(parents=True)
    dest = failed / partial.name
    shutil.copy2(partial, dest)
    try:
        _finish_notebook(dest, tmp, target)
    except Exception:  # noqa: BLE001 - a notebook cut mid-write is still kept as it is
        pass
    return dest


def run_org(
    org_dir: str | Path,
    *,
    out: str | Path | None = None,
    only: Iterable[str] | None = None,
    parameters: dict[str, Any] | None = None,
    html: bool = False,
    strict: bool = False,
    notebooks_dir: str | Path | None = None,
    reports_dir: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
    progress_bar: bool | None = None,
) -> RunResult:
    """Run the curriculum (or ``only`` some notebooks) for one organization.

    Parameters
    ----------
    org_dir : path-like
        The organization folder (its ``org.yml`` and export files).
    out : path-like, optional
        Report folder; default ``reports/<org slug>``.
    only : iterable of str, optional
        Notebook numbers or names to run (``["02"]``); the rest of the previous
        report, ``summary.json`` included, is kept and merged.
    parameters : dict, optional
        ``-p`` overrides (highest precedence).
    html : bool
        Also export every executed notebook to HTML beside it.
    strict : bool
        Treat reported data-quality problems as fatal.
    notebooks_dir : path-like, optional
        Folder of ``NN_*.ipynb`` notebooks (default the curriculum's ``notebooks/``).
    reports_dir : path-like, optional
        Parent of the default report folder (default ``reports/``).
    echo : callable, optional
        Receives one progress line per notebook (default: print to stdout).
    progress_bar : bool, optional
        papermill's cell progress bar; default on only when stderr is a terminal.

    Returns
    -------
    RunResult
        ``ok`` is False when a notebook failed (``message`` says why in one sentence).

    Raises
    ------
    helpers.data.load.DataError, helpers.core.config.ConfigError, helpers.core.paths.PathEscapeError, ValueError
        For problems found before anything runs (bad data, bad config, bad parameter,
        unsafe output path). Nothing is executed and no report is touched.
    """
    from helpers.core import config as config_mod

    echo = echo or _echo_default
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()
    started = time.perf_counter()
    org_path = paths.resolve(org_dir)
    if not org_path.is_dir():
        raise ValueError(f"The organization folder {org_path} does not exist.")

    cfg = config_mod.load_org_config(org_path)
    all_nbs = discover_notebooks(notebooks_dir)
    selected = select_notebooks(all_nbs, only)
    # org.yml parameters are written for the curriculum: with another notebooks folder,
    # a name the curriculum declares is still valid (it is simply not passed on).
    known = list(all_nbs)
    if notebooks_dir is not None and Path(notebooks_dir).resolve() != paths.NOTEBOOKS.resolve():
        if paths.NOTEBOOKS.is_dir() and any(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
            known += discover_notebooks(paths.NOTEBOOKS)
    injected = resolve_parameters(selected, cfg.parameters, parameters or {}, all_notebooks=known)
    target = paths.resolve(out) if out is not None else default_out(cfg.name, reports_dir)
    target = target.resolve()
    _check_target(target, org_path)

    from helpers.data import load

    # Each notebook's kernel is started one step ahead (the first while the data loads),
    # so that kernel start-up and imports overlap the work before it.
    upcoming = _start_ahead(selected[0])
    try:
        data = load.load_org(org_path, strict=strict)
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a report is a normal folder
    except BaseException:
        stop_kernel(upcoming, now=True)
        raise
    result = RunResult(org_dir=org_path, out=target, ok=False, org_name=cfg.name)
    # HTML export runs in a thread while the next notebook's kernel works.
    exporter = cf.ThreadPoolExecutor(max_workers=1) if html else None
    exports: list[cf.Future] = []
    retiring: list[Any] = []
    try:
        previous: dict = {}
        if only and target.is_dir() and (target / SUMMARY).is_file():
            _copy_previous(target, tmp)
            from helpers.core import report

            previous = report.read_summary(tmp).get(RUN_KEY, {})
            _forget_outputs(tmp, selected)
        load.write_tables(data, tmp)
        # The kernels read the tables just written; the runner keeps only what the summary
        # needs, so that its copy of the data does not add to the kernels' memory.
        data = _RunFacts.of(data)
        _release_memory()
        total = len(selected)
        overrides = _describe_overrides(injected, cfg.parameters, parameters or {})
        if overrides:
            echo(f"Parameters: {overrides}")
        for i, nb in enumerate(selected, 1):
            nb_out = tmp / nb.path.name
            params = {
                **injected[nb.key],
                "org_dir": str(org_path),
                "output_dir": str(tmp),
            }
            t0 = time.perf_counter()
            kernel, upcoming = upcoming, None
            if i < total:
                upcoming = _start_ahead(selected[i])
            try:
                execute_notebook(nb, nb_out, params, progress_bar=progress_bar, kernel=kernel)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure of a notebook is reported
                secs = time.perf_counter() - t0
                saved = _save_failed(nb_out, target, tmp)
                echo(f"[{i}/{total}] {nb.key:<28} FAILED {secs:6.1f} s")
                result.message = failure_sentence(exc, nb, saved)
                result.failed_notebook = saved
                result.seconds = time.perf_counter() - started
                return result
            finally:
                # asked to stop now, reaped after the next notebook: no waiting for its exit
                _request_stop(kernel)
                for old in retiring:
                    stop_kernel(old)
                retiring = [kernel]
            _finish_notebook(nb_out, tmp, target)
            if exporter is not None:
                exports.append(exporter.submit(_export_html, nb_out, nb_out.with_suffix(".html")))
            result.notebooks.append(nb.key)
            echo(f"[{i}/{total}] {nb.key:<28} ok     {time.perf_counter() - t0:6.1f} s")
        for fut in exports:
            fut.result()  # an export error is a bug worth its traceback
        from helpers.core import report

        summary = report.read_summary(tmp)
        summary[RUN_KEY] = run_entry(data, result.notebooks, previous)
        report.atomic_write_text(
            tmp / SUMMARY,
            json.dumps(report.to_jsonable(summary), indent=2, sort_keys=True) + "\n",
        )
        _normalise_permissions(tmp)
        _swap_into_place(tmp, target)
        result.ok = True
        result.seconds = time.perf_counter() - started
        result.message = f"report written to {target}"
        return result
    finally:
        stop_kernel(upcoming, now=True)
        for km in retiring:
            stop_kernel(km)
        if exporter is not None:
            exporter.shutdown(wait=True, cancel_futures=True)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- several orgs


def expand_org_dirs(items: Sequence[str | Path]) -> list[Path]:
    """Org folders from the command line: each item is an org (has ``org.yml``) or a
    folder whose sub-folders are orgs.

    Raises
    ------
    ValueError
        When an item is neither.
    """
    from helpers.core.config import ORG_FILE

    orgs: list[Path] = []
    for item in items:
        p = paths.resolve(item)
        if (p / ORG_FILE).is_file():
            orgs.append(p)
            continue
        if p.is_dir():
            subs = sorted(d for d in p.iterdir() if d.is_dir() and (d / ORG_FILE).is_file())
            if subs:
                orgs.extend(subs)
                continue
            raise ValueError(
                f"{p} has no {ORG_FILE} and no organization folders inside it; "
                f"draft one with `alignment-edge init EXPORT.csv --out {item}`."
            )
        raise ValueError(f"The organization folder {p} does not exist.")
    seen: set[Path] = set()
    unique = []
    for o in orgs:
        if o not in seen:
            seen.add(o)
            unique.append(o)
    return unique


def _run_one_in_child(org_dir: Path, kwargs: dict) -> RunResult:
    """Worker: run one org, turning any error into a failed RunResult."""
    name = org_dir.name

    def echo(line: str) -> None:
        print(f"[{name}] {line}", flush=True)

    started = time.perf_counter()
    try:
        return run_org(org_dir, echo=echo, progress_bar=False, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the final table
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return RunResult(
            org_dir=org_dir,
            out=kwargs.get("out"),
            ok=False,
            message=msg,
            seconds=time.perf_counter() - started,
        )


def plan_outputs(org_dirs: Sequence[Path], out_parent: str | Path | None) -> dict[Path, Path]:
    """Report folder of each org in a multi-org run: ``<parent>/<org slug>``.

    Raises
    ------
    ValueError
        When two orgs would write to the same folder.
    """
    from helpers.core.config import load_org_config

    parent = paths.resolve(out_parent) if out_parent is not None else paths.REPORTS
    plan: dict[Path, Path] = {}
    owners: dict[Path, Path] = {}
    for org in org_dirs:
        try:
            name = load_org_config(org).name
            target = default_out(name, parent)
        except Exception:  # noqa: BLE001 - the org's own run reports the problem
            target = parent / org.name
        if target in owners:
            raise ValueError(
                f"{owners[target]} and {org} would both write to {target} "
                "(same organization name); rename one in its org.yml."
            )
        owners[target] = org
        plan[org] = target
    return plan


def run_many(
    org_dirs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    echo: Callable[[str], None] | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Run several organizations in parallel processes, one report folder each.

    Parameters
    ----------
    org_dirs : sequence of path-like
        Organization folders (already expanded, see :func:`expand_org_dirs`).
    out : path-like, optional
        Parent folder of the reports (default ``reports/``): ``<out>/<org slug>``.
    jobs : int, optional
        Number of processes (default: number of CPUs, at most the number of orgs).
    **kwargs
        Passed to :func:`run_org` (``only``, ``parameters``, ``html``, ``strict``,
        ``notebooks_dir``).

    Returns
    -------
    list of RunResult
        In the order of ``org_dirs``; a failure in one org does not stop the others.
    """
    echo = echo or _echo_default
    orgs = [paths.resolve(o) for o in org_dirs]
    plan = plan_outputs(orgs, out)
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(orgs)))
    results: dict[Path, RunResult] = {}
    import multiprocessing as mp

    # fork: workers start at once with this process's imports, and scripts that call
    # run_many without an ``if __name__ == "__main__"`` guard work; spawn elsewhere.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    import papermill  # noqa: F401 - imported once here (slow), inherited by forked workers

    from helpers.data import load  # noqa: F401

    ctx = mp.get_context(method)
    with cf.ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
        futures = {
            pool.submit(_run_one_in_child, org, {**kwargs, "out": plan[org]}): org for org in orgs
        }
        for fut in cf.as_completed(futures):
            org = futures[fut]
            try:
                results[org] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker process died
                results[org] = RunResult(
                    org_dir=org, out=plan[org], ok=False, message=f"{type(exc).__name__}: {exc}"
                )
    return [results[o] for o in orgs]


def results_table(results: Sequence[RunResult]) -> str:
    """A plain-text table of a multi-org run: org, status, time, report or cause."""
    rows = [("organization", "status", "seconds", "report / cause")]
    for r in results:
        status = "ok" if r.ok else "FAILED"
        detail = str(r.out) if r.ok else r.message
        rows.append((r.org_dir.name, status, f"{r.seconds:.1f}", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for j, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3])
        if j == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
    return "\n".join(lines)
