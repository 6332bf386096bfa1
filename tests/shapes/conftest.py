"""Shared runs of the shape tests: each shape goes through init, check and run once."""

from __future__ import annotations

import pytest
from shape_runs import SHAPES, ShapeRun, cli_run


@pytest.fixture(scope="session")
def shape_run(tmp_path_factory):
    """``shape_run(name)``: the command line's work on one shape, done once per session."""
    done: dict[str, ShapeRun] = {}

    def get(shape: str) -> ShapeRun:
        assert shape in SHAPES
        if shape not in done:
            done[shape] = cli_run(shape, tmp_path_factory.mktemp("shapes"))
        return done[shape]

    return get
