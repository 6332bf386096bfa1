"""Alignment Edge: sales & marketing alignment analysis for B2B organizations.

The notebooks in ``notebooks/`` stay thin; the logic lives in these modules:
``paths``, ``config``, ``schema``, ``load``, ``synth``, ``icp``, ``funnel``,
``revenue``, ``scoring``, ``plots``, ``report``, ``run``, ``cli`` and ``workshop``.
"""

__version__ = "0.1.0"
