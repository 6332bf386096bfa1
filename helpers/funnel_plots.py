from helpers.funnel.plots import *  # noqa

__all__ = ["CAUSE_COLOURS", "MARKETING_STAGES", "plot_attribution", "plot_benchmarks", "plot_censoring_effect", "plot_cohort_conversion", "plot_leakage", "plot_recoverable", "plot_reps", "plot_speed_to_lead", "plot_touch_curve", "plot_touch_hazard", "plot_waterfall", "plot_weekly_alerts"]  # noqa: F405
