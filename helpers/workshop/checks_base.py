"""What every module's self-checks share: the organization's data, the settings, one cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from helpers.workshop.params import CheckParams

_Checks = TypeVar("_Checks", bound="ModuleChecks")


class ModuleChecks:
    """The self-checks of one workshop module, bound to one organization's data.

    A subclass holds one public method per exercise, decorated with
    :func:`~helpers.workshop.results.checked`, and private methods computing the expected
    answers from ``data`` with the same helpers the notebooks use, so the checks hold on any
    organization, not only on the sample. Expected values are cached; checks of other modules
    built with :meth:`_sibling` share the cache (the capstone reuses the funnel's journeys).

    Parameters
    ----------
    data : OrgData
        The organization the exercises run on (:func:`helpers.data.load_org`).
    params : CheckParams, optional
        The notebook's settings (default: the notebooks' defaults).
    cache : dict, optional
        Expected values already computed on the same data and settings.
    """

    def __init__(
        self, data, params: CheckParams | None = None, *, cache: dict[str, Any] | None = None
    ) -> None:
        self.data = data
        self.params = params if params is not None else CheckParams()
        self._cache: dict[str, Any] = {} if cache is None else cache

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _sibling(self, cls: type[_Checks]) -> _Checks:
        """The checks of another module on the same data, settings and cache."""
        return cls(self.data, self.params, cache=self._cache)

    @classmethod
    def exercises(cls) -> dict[str, str]:
        """Exercise number -> check method name, in order."""
        found = {
            getattr(cls, name).exercise: name
            for name in dir(cls)
            if not name.startswith("_") and hasattr(getattr(cls, name), "exercise")
        }
        return dict(sorted(found.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]))

    def __repr__(self) -> str:
        listed = ", ".join(f"{number} {name}" for number, name in self.exercises().items())
        return f"Self-checks on {getattr(self.data, 'name', 'this organization')}: {listed}"
