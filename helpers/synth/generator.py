"""Generate an organization: the phases in order, and the result (:class:`SynthOrg`).

Every phase draws from one seeded random generator, in a fixed order, so the same config
and seed always give the same organization: do not reorder the calls in :func:`generate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.accounts import People, accounts_table, draw_people
from helpers.synth.activities import Nurture, activities_table, draw_nurture
from helpers.synth.config import SynthConfig
from helpers.synth.expected import TruthInputs, exact_p_true
from helpers.synth.leads import (
    Export,
    Leak,
    draw_leaky_column,
    export_index,
    lead_truths_table,
    leads_table,
)
from helpers.synth.opportunities import Deals, draw_deals, opportunities_table
from helpers.synth.plan import _plan, _spend
from helpers.synth.quirks import plant_quirks
from helpers.synth.sales import Sales, draw_sales
from helpers.synth.stages import Censored, Engagement, censor, draw_engagement
from helpers.synth.timeline import Timeline, draw_timeline
from helpers.synth.truths import _truths


@dataclass
class SynthOrg:
    """A generated organization.

    Attributes
    ----------
    config : SynthConfig
    tables : dict of DataFrame
        Raw tables as written (``accounts``, ``leads``, ``activities``, ``opportunities``,
        ``spend``, ``plan``); timestamps are local ``datetime64[s]`` (NaT when empty).
    truths : dict
        The planted truths (written to ``truths.yml``).
    lead_truths : DataFrame
        One row per lead: ``lead_id``, ``p_true`` and the lead's true segment labels.
    """

    config: SynthConfig
    tables: dict[str, pd.DataFrame]
    truths: dict
    lead_truths: pd.DataFrame


def _lead_attributes(who: People, eng: Engagement) -> dict[str, np.ndarray]:
    """The lead attributes the model's effects act on (one array per attribute)."""
    return {
        "ind": who.ind, "size": who.size, "sen": who.sen, "fun": who.fun,
        "sen_win": who.sen_win, "fun_win": who.fun_win, "src": who.src, "eng": eng.eng,
    }


@dataclass
class _Story:
    """Every lead's story as drawn, phase by phase (internal rows, burn-in included)."""

    tl: Timeline
    who: People
    eng: Engagement
    L: dict
    sales: Sales
    deals: Deals
    nurture: Nurture
    leak: Leak
    cens: Censored
    p_true: np.ndarray


def _draw_story(cfg: SynthConfig, rng: np.random.Generator) -> _Story:
    """Run the phases in order (the order of the draws is part of the seed)."""
    tl = draw_timeline(cfg, rng)
    who = draw_people(cfg, rng, tl)
    eng = draw_engagement(cfg, rng, tl, who.src, who.sen, who.fit)
    L = _lead_attributes(who, eng)
    sales = draw_sales(
        cfg, rng, tl, eng, L=L, fit=who.fit, low=who.low, rec=who.rec, orig=who.orig
    )
    deals = draw_deals(cfg, rng, L, sales.is_opp, sales.opp_at, sales.reps.names)
    nurture = draw_nurture(rng, tl.scoring, sales.is_opp, sales.sql_at)
    leak = draw_leaky_column(
        cfg, rng, sql_at=sales.sql_at, touched=sales.touched,
        last_touch_at=sales.last_touch_at, amount=deals.amount,
    )
    cens = censor(
        tl.t_export, mql_at=eng.mql_at, sal_at=sales.sal_at, sql_at=sales.sql_at,
        opp_at=sales.opp_at, disq_at=sales.disq_at, closed_at=deals.closed_at, won=deals.won,
    )
    p_true = exact_p_true(
        cfg, tl.period, eng.mql, sales.rej_p, sales.tables_reg, sales.rep, sales.q
    )
    return _Story(tl, who, eng, L, sales, deals, nurture, leak, cens, p_true)


def _truth_inputs(cfg: SynthConfig, s: _Story, ex: np.ndarray) -> TruthInputs:
    """Gather what the truths and the plan are computed from."""
    tl, who, eng, sales, deals = s.tl, s.who, s.eng, s.sales, s.deals
    return TruthInputs(
        cfg=cfg, ex=ex, period=tl.period, rep=sales.rep, tables_reg=sales.tables_reg,
        regimes=eng.regimes, L=s.L, fit=who.fit, low_fit=sales.low_fit, inbound=eng.inbound,
        eng=eng.eng, q=sales.q, wp=deals.wp, mql=eng.mql, rej_p=sales.rej_p, p_true=s.p_true,
        created=tl.created, scoring=tl.scoring, opp_at=sales.opp_at, t_export=tl.t_export,
        touched=sales.touched, k=sales.k, bucket=sales.bucket, is_opp=sales.is_opp,
        won=deals.won, closed_at=deals.closed_at, A=who.A, n_burn_m=tl.n_burn_m,
        t_align=tl.alignment_start,
    )


def _raw_tables(
    cfg: SynthConfig, rng: np.random.Generator, s: _Story, xp: Export, ctx: TruthInputs
) -> dict[str, pd.DataFrame]:
    """The raw tables as exported (draws the leads' notes and the spend noise)."""
    tl, who, sales = s.tl, s.who, s.sales
    ex = xp.ex
    leads = leads_table(
        cfg, rng, tl, xp, who, cens=s.cens, leak=s.leak, rep=sales.rep,
        rep_names=sales.reps.names, reason=sales.reason,
    )
    opps = opportunities_table(
        tl, xp, s.deals, is_opp=sales.is_opp, opp_at=sales.opp_at, closed_c=s.cens.closed_at,
        has_acc=who.has_acc, accc=who.accc,
    )
    activities = activities_table(tl, xp, s.eng, s.nurture, sales)
    chan_names = [c.name for c in cfg.channels]
    months = tl.months[tl.n_burn_m :]
    spend = _spend(cfg, rng, months, who.src[ex], tl.month_of[ex] - tl.n_burn_m, chan_names)
    return {
        "accounts": accounts_table(who.A, xp.acc_ids), "leads": leads, "activities": activities,
        "opportunities": opps, "spend": spend, "plan": _plan(cfg, ctx, tl.months),
    }


def generate(config: SynthConfig) -> SynthOrg:
    """Generate an organization's raw tables and planted truths.

    Parameters
    ----------
    config : SynthConfig
        Sizes, dates and the truths to plant (see :data:`SCENARIOS`).

    Returns
    -------
    SynthOrg
    """
    if hasattr(config, "generate_org"):  # a scenario with its own generator (helpers.synth.followup)
        return config.generate_org()
    cfg = config
    cfg.validate()
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 20240917]))
    story = _draw_story(cfg, rng)
    xp = export_index(cfg, story.tl, story.who.n_acc)
    ctx = _truth_inputs(cfg, story, xp.ex)
    tables = _raw_tables(cfg, rng, story, xp, ctx)
    truths = _truths(ctx)
    truths["quirks"] = plant_quirks(rng, tables) if cfg.quirks else {}
    truths["quirks"]["preexisting_opportunities"] = {
        "count": int(tables["opportunities"]["lead_id"].isna().sum()),
        "what": "deals of leads created before the exported history: account set, lead_id empty",
    }
    lead_truths = lead_truths_table(
        xp, story.who, p_true=story.p_true, eng=story.eng.eng, period=story.tl.period
    )
    return SynthOrg(cfg, tables, truths, lead_truths)
