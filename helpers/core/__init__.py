"""The shared core: paths, canonical schemas, ``org.yml`` models, statistics,
``summary.json`` recording and artifact writing, and the figure style.

Every other subpackage builds on these; none of them imports back up.
"""

from helpers.core import config, paths, report, schema, stats, style

__all__ = ["config", "paths", "report", "schema", "stats", "style"]
