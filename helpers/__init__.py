"""Alignment Edge: sales & marketing alignment analysis for B2B organizations.

The notebooks in ``notebooks/`` stay thin; the logic lives in one subpackage per role
(see ``docs/architecture.md``): ``core`` (paths, schemas, ``org.yml`` models, shared
statistics, ``summary.json``, figure style), ``data`` (reading, mapping and validating an
export), ``synth`` (seeded organizations with planted truths), one package per curriculum
module (``icp``, ``funnel``, ``revenue``, ``scoring``), ``runner`` (executing the notebooks,
the command line) and ``workshop`` (exercises and self-checks). Layers only import
downwards: ``core`` <- ``data`` <- modules <- ``runner`` / ``workshop``.
"""

__version__ = "0.1.0"
