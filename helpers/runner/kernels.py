"""The kernels notebooks run in: this environment's Python, started one step ahead.

Every notebook runs in the ``python3`` kernel of the environment this code runs in,
whatever kernelspec the file was saved with. Each notebook's kernel is started one step
ahead (the first one while the data loads) and imports the notebook's modules meanwhile,
so kernel start-up overlaps the previous step (:class:`KernelRelay`).
"""

from __future__ import annotations

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


class KernelRelay:
    """The kernels of a run's notebooks, each started one notebook ahead.

    The first kernel starts when the relay is made (while the data loads); :meth:`next`
    hands over the kernel of the next notebook and starts the one after it. A used kernel
    is asked to stop at once and reaped after the next notebook (:meth:`retire`), so that
    nobody waits for its exit; :meth:`close` stops whatever is left (never raises).

    Parameters
    ----------
    notebooks : sequence of Notebook
        The notebooks of the run, in the order they execute.
    """

    def __init__(self, notebooks: Sequence[Notebook]) -> None:
        self._queue = list(notebooks)
        self._upcoming: Any = _start_ahead(self._queue.pop(0)) if self._queue else None
        self._retiring: list[Any] = []

    def next(self) -> Any:
        """The kernel started for the next notebook (None: papermill starts one itself)."""
        kernel, self._upcoming = self._upcoming, None
        if self._queue:
            self._upcoming = _start_ahead(self._queue.pop(0))
        return kernel

    def retire(self, kernel: Any) -> None:
        """Ask ``kernel`` to stop now; reap the kernels retired before it."""
        _request_stop(kernel)
        for old in self._retiring:
            stop_kernel(old)
        self._retiring = [kernel]

    def close(self) -> None:
        """Kill the kernel started ahead (it never ran) and reap the retired ones."""
        stop_kernel(self._upcoming, now=True)
        self._upcoming = None
        for km in self._retiring:
            stop_kernel(km)
        self._retiring = []
