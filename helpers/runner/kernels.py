"""The kernels notebooks run in: this environment's Python, started ahead.

Every notebook runs in the ``python3`` kernel of the environment this code runs in,
whatever kernelspec the file was saved with. A notebook's kernel is started ahead
(:func:`start_ahead`: those of the first notebooks while the data loads) and imports the
notebook's modules meanwhile, so kernel start-up overlaps the work before it
(:mod:`helpers.runner.scheduler` decides when).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import paths

if TYPE_CHECKING:  # pragma: no cover
    from helpers.runner.params import Notebook

#: Kernel every notebook runs in, whatever kernelspec the file was saved with.
KERNEL_NAME = "python3"
#: The kernelspec written into every executed notebook.
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"}
#: Environment every kernel gets (unless this process's environment sets the same name):
#: OpenMP threads with no work sleep instead of spinning. libgomp's spinning threads slow
#: gradient boosting down a hundredfold as soon as more threads than cores are busy - two
#: notebooks at the same time, or a machine shared with other work - and the wait policy
#: changes no result.
KERNEL_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
#: Top-level packages whose imports a kernel started ahead performs before its notebook.
PRELOAD_PACKAGES = (
    "helpers", "pandas", "numpy", "matplotlib", "seaborn", "scipy", "sklearn", "statsmodels",
    "IPython",
)


# --------------------------------------------------------------------------- kernel manager


def _environment_kernel_spec():
    """The kernelspec of this environment's Python (``sys.executable``)."""
    from jupyter_client.kernelspec import KernelSpec

    return KernelSpec(
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
        env={k: v for k, v in KERNEL_ENV.items() if k not in os.environ},
        metadata={"debugger": False, "supported_encryption": ["curve"]},
    )


def _kernel_manager_class():
    """A kernel manager that always starts this environment's Python (``sys.executable``)."""
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
                self._kernel_spec = _environment_kernel_spec()
            return self._kernel_spec

    return EnvironmentKernelManager


# --------------------------------------------------------------------------- preload


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


# --------------------------------------------------------------------------- start and stop


def start_kernel(preload: Sequence[str] = ()) -> Any:
    """Start a kernel now (``cwd`` = repo root) for a notebook that runs later.

    The kernel process boots in the background; with ``preload`` it then imports those
    modules (silently: no output, no history, no execution count), so that the notebook's
    own imports find them loaded. Pass it to :func:`helpers.runner.execute_notebook` and
    stop it with :func:`stop_kernel`.
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


def start_ahead(nb: Notebook) -> Any:
    """A kernel started ahead for ``nb`` with its imports preloaded, or None when that
    fails (papermill then starts one itself, as usual)."""
    try:
        return start_kernel(notebook_imports(nb.path))
    except Exception:  # noqa: BLE001 - only an optimisation
        return None


def kill_kernel(km: Any) -> None:
    """Kill a kernel's process at once, from any thread (never raises).

    For a notebook that must stop now (another one failed, or the run was interrupted):
    the thread executing it then sees a dead kernel and ends; it still calls
    :func:`stop_kernel` to close the kernel's channels.
    """
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        if process.poll() is None:
            process.kill()
    except Exception:  # noqa: BLE001 - it has already gone
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
