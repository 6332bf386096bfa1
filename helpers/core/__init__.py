"""The shared core: paths, canonical schemas, ``org.yml`` models, statistics,
``summary.json`` recording and artifact writing, and the figure style.

Every other subpackage builds on these; none of them imports back up.
"""

from helpers.core import config, config_draft, paths, report, schema, stats, style

__all__ = ["config", "config_draft", "paths", "report", "schema", "stats", "style"]
