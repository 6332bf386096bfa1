"""Tiny hand-computable tables for the funnel tests, built in code beside them.

``small_leads``/``small_opps``/``small_activities`` are seven lead records (one recycled),
two deals and seven activities whose every number is worked out in the tests' comments;
the other builders plant a known effect (speed-to-lead, touches plateau, leak cause,
a bad week) in a generated funnel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import funnel

TS = pd.Timestamp
EXPORT = TS("2024-06-30")


def dt(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


def small_leads():
    """Seven lead records; L6 is L2's person coming back (recycled) and goes further."""
    return pd.DataFrame(
        {
            "lead_id": pd.Series(["L1", "L2", "L3", "L4", "L5", "L6", "L7"], dtype="string"),
            "person_key": pd.Series(["p1", "p2", "p3", "p4", "p5", "p2", "p7"], dtype="string"),
            "source": pd.Series(["web", "web", "ads", "ads", "web", "web", "ads"], dtype="string"),
            "owner_id": pd.Series(["r1", "r1", "r2", "r2", "r1", "r1", "r2"], dtype="string"),
            "created_at": dt(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-06-25", "2024-03-01", "2024-01-10"]),
            "mql_at": dt(["2024-01-02", "2024-01-03", None, "2024-01-02", "2024-06-26", "2024-03-02", "2024-01-05"]),
            "sal_at": dt(["2024-01-05", "2024-01-04", None, None, None, "2024-03-03", None]),
            "sql_at": dt(["2024-01-10", None, None, "2024-01-08", None, "2024-03-05", None]),
            "disqualified_at": dt([None, "2024-01-20", None, None, None, None, None]),
        }
    )


def small_opps():
    return pd.DataFrame(
        {
            "opportunity_id": pd.Series(["O1", "O2"], dtype="string"),
            "lead_id": pd.Series(["L1", "L4"], dtype="string"),
            "outcome": pd.Series(["won", "lost"], dtype="string"),
            "created_at": dt(["2024-01-20", "2024-01-20"]),
            "closed_at": dt(["2024-02-10", "2024-03-01"]),
            "amount": [1000.0, 500.0],
        }
    )


def small_activities():
    rows = [
        ("L1", "2023-12-31 10:00", "marketing"),  # before the MQL: before sales
        ("L1", "2024-01-02 00:30", "sales"),  # response 0.5 h
        ("L1", "2024-01-03 09:00", "sales"),
        ("L1", "2024-01-15 09:00", "marketing"),
        ("L1", "2024-01-25 09:00", "sales"),  # after the opportunity: not counted
        ("L4", "2024-01-04 00:00", "sales"),  # response 48 h
        ("L2", "2024-01-03 01:00", "sales"),  # dropped (recycled) record: ignored
    ]
    return pd.DataFrame(
        {
            "lead_id": pd.Series([r[0] for r in rows], dtype="string"),
            "occurred_at": pd.to_datetime([r[1] for r in rows]),
            "activity_type": pd.Series(["email"] * len(rows), dtype="string"),
            "team": pd.Series([r[2] for r in rows], dtype="string"),
        }
    )


def stl_journeys(n_per=200, seed=0):
    """Two sources: web answered fast and converting more; within a source, fast
    answers convert twice as often as slow ones."""
    rng = np.random.default_rng(seed)
    rows = []
    for src, fast_share, base in (("web", 0.8, 0.4), ("ads", 0.2, 0.1)):
        fast = rng.random(n_per) < fast_share
        p = np.where(fast, base, base / 2)
        conv = rng.random(n_per) < p
        for f, c in zip(fast, conv):
            rows.append((src, 0.5 if f else 30.0, c))
    df = pd.DataFrame(rows, columns=["source", "hours", "conv"])
    mql = pd.Series(TS("2024-01-01 09:00") + pd.to_timedelta(np.arange(len(df)) % 60, unit="D")
                    + pd.to_timedelta(np.arange(len(df)) % 7, unit="min"))
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(len(df))], dtype="string"),
            "source": pd.Series(df["source"], dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=3)).where(df["conv"]),
            "first_sales_touch_at": mql + pd.to_timedelta(df["hours"], unit="h"),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=TS("2024-06-30"))
    return funnel.add_touches(j, None, target="sql"), df


def plateau_counts(plateau=4, n=4000, hazard=0.12, stop=0.08, max_t=12):
    """Leads touched one by one: each touch up to ``plateau`` converts with ``hazard``;
    later touches never convert; reps stop with probability ``stop`` after each touch."""
    rng = np.random.default_rng(3)
    touches = np.zeros(n, dtype=int)
    conv = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    for k in range(1, max_t + 1):
        touches[alive] = k
        c = alive & (rng.random(n) < (hazard if k <= plateau else 0.0))
        conv |= c
        alive &= ~c
        alive &= rng.random(n) >= stop
    return touches, conv


def dose_counts(rate_of_k, n=6000, max_t=12, seed=4):
    """Each lead gets k ~ U{1..max_t} touches and converts after the last with rate_of_k(k)."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, max_t + 1, n)
    conv = rng.random(n) < rate_of_k(k)
    return k, conv


def cause_journeys(rates):
    """40 MQLs in four groups of 10 (fit/low-fit x worked/under-worked) converting to SQL
    at the given rates; under-worked leads get 1 sales touch, worked ones 5."""
    rows = []
    for g, (low, under, r) in enumerate(rates):
        for i in range(10):
            rows.append((f"g{g}_{i}", low, 1 if under else 5, i < round(r * 10)))
    df = pd.DataFrame(rows, columns=["lead_id", "low", "touches", "conv"])
    mql = pd.Series([TS("2024-01-01 09:00")] * len(df))
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(df["lead_id"], dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=5)).where(df["conv"]),
            "sales_touches": df["touches"].astype(float),
            "first_sales_touch_at": mql + pd.Timedelta(hours=1),
        }
    )
    j = funnel.add_touches(funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT), None)
    return j, df["low"].to_numpy()


def weekly_journeys(bad_week=None, young_bad=True):
    """20 weeks x 50 MQLs; half reach SAL within 3 days. Optionally a mature bad week
    and a last (young) week where nobody converted yet."""
    rows = []
    start = TS("2024-01-01")
    for w in range(20):
        for i in range(50):
            mql = start + pd.Timedelta(days=7 * w + i % 5)
            ok = i % 2 == 0
            if w == bad_week:
                ok = False
            if w == 19 and young_bad:
                ok = False
            rows.append((f"w{w}_{i}", mql, mql + pd.Timedelta(days=3) if ok else pd.NaT))
    leads = pd.DataFrame(rows, columns=["lead_id", "mql_at", "sal_at"])
    leads["lead_id"] = leads["lead_id"].astype("string")
    export = start + pd.Timedelta(days=7 * 19 + 6)
    return funnel.build_journeys(leads, stages=["mql", "sal"], export_date=export)


def owner_journeys(n_owners=12, per_owner=100, bad=("o0", "o1", "o2")):
    """MQLs of ``n_owners`` owners converting to SQL at 50%, except the ``bad`` owners' at 10%;
    every lead gets one sales touch an hour after the MQL (nobody looks under-worked)."""
    rows = []
    for o in range(n_owners):
        rate = 0.1 if f"o{o}" in bad else 0.5
        for i in range(per_owner):
            rows.append((f"o{o}_{i}", f"o{o}", i < round(rate * per_owner), i))
    df = pd.DataFrame(rows, columns=["lead_id", "owner_id", "conv", "i"])
    mql = TS("2024-01-01 09:00") + pd.to_timedelta(df["i"] % 28, unit="D")
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(df["lead_id"], dtype="string"),
            "owner_id": pd.Series(df["owner_id"], dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=3)).where(df["conv"]),
            "sales_touches": 1.0,
            "first_sales_touch_at": mql + pd.Timedelta(hours=1),
        }
    )
    j = funnel.add_touches(funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT), None)
    return j, list(bad)


def period_journeys(rates, n=200, first_quarter="2023-01-01"):
    """Opportunities created ``n`` per quarter from ``first_quarter``, won at each quarter's rate."""
    leads, opps = [], []
    for q, rate in enumerate(rates):
        start = TS(first_quarter) + pd.DateOffset(months=3 * q)
        for i in range(n):
            lid = f"q{q}_{i}"
            created = start + pd.Timedelta(days=i % 80)
            leads.append((lid, created))
            opps.append((f"d{q}_{i}", lid, "won" if i < round(rate * n) else "lost", created + pd.Timedelta(days=1),
                         created + pd.Timedelta(days=20)))
    leads = pd.DataFrame(leads, columns=["lead_id", "created_at"]).astype({"lead_id": "string"})
    opps = pd.DataFrame(opps, columns=["opportunity_id", "lead_id", "outcome", "created_at", "closed_at"]).astype(
        {"opportunity_id": "string", "lead_id": "string", "outcome": "string"})
    opps["amount"] = 1000.0
    return funnel.add_touches(funnel.build_journeys(leads, opps, stages=["opportunity", "won"], export_date=EXPORT))


def rep_journeys(bad=("o0", "o1", "o2"), ends=None, n_owners=12, per_owner=120, seed=0):
    """MQLs spread over 2023 among ``n_owners`` owners. Everyone answers within the hour nine
    times in ten and gives 3-8 touches; the ``bad`` owners (until ``ends``, a date) answer
    after 2-5 days half the time, never a quarter of the time, and give 1-2 touches."""
    rng = np.random.default_rng(seed)
    n = n_owners * per_owner
    owner = np.repeat([f"o{o}" for o in range(n_owners)], per_owner)
    mql = TS("2023-01-02 09:00") + pd.to_timedelta(rng.integers(0, 360, n), unit="D")
    is_bad = np.isin(owner, list(bad)) & ((mql < TS(ends)) if ends else True)
    hours = np.where(rng.random(n) < 0.9, 0.5, 30.0)
    hours = np.where(is_bad, np.where(rng.random(n) < 0.5, rng.uniform(48, 120, n), 0.5), hours)
    hours = np.where(is_bad & (rng.random(n) < 0.25), np.nan, hours)
    touches = np.where(is_bad, rng.integers(1, 3, n), rng.integers(3, 9, n)).astype(float)
    touches = np.where(np.isnan(hours), 0.0, touches)
    conv = rng.random(n) < np.where(np.isnan(hours), 0.0, np.where(is_bad, 0.1, 0.4))
    mql = pd.Series(mql)
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"r{i}" for i in range(n)], dtype="string"),
            "owner_id": pd.Series(owner, dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=6)).where(conv),
            "sales_touches": touches,
            "first_sales_touch_at": mql + pd.to_timedelta(hours, unit="h"),
        }
    )
    return funnel.add_touches(funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT), None)


def headline_journeys():
    """400 MQLs in 2023: 200 worked (4 touches within the hour) reach SQL at 50%, 200
    under-worked (one touch two days later) at 10%; every SQL becomes a deal, one deal in five
    is won (1,000 each) in every quarter. The final stage loses the most revenue; the leak to
    act on is MQL -> SQL, under-worked."""
    rows = []
    for i in range(400):
        under = i % 2 == 1
        k = i // 2
        conv = (k % 10) < (1 if under else 5)
        rows.append((f"h{i}", TS("2023-01-02 09:00") + pd.Timedelta(days=(i * 0.9) % 360), under, conv))
    df = pd.DataFrame(rows, columns=["lead_id", "mql_at", "under", "conv"])
    first = df["mql_at"] + pd.to_timedelta(np.where(df["under"], 48.0, 0.5), unit="h")
    leads = pd.DataFrame({"lead_id": pd.Series(df["lead_id"], dtype="string"), "mql_at": df["mql_at"],
                          "sql_at": (df["mql_at"] + pd.Timedelta(days=5)).where(df["conv"]),
                          "sales_touches": np.where(df["under"], 1.0, 4.0), "first_sales_touch_at": first})
    sql = df[df["conv"]].reset_index(drop=True)
    opps = pd.DataFrame({
        "opportunity_id": pd.Series([f"d{i}" for i in range(len(sql))], dtype="string"),
        "lead_id": pd.Series(sql["lead_id"], dtype="string"),
        "outcome": pd.Series(np.where(np.arange(len(sql)) % 5 == 0, "won", "lost"), dtype="string"),
        "created_at": sql["mql_at"] + pd.Timedelta(days=6), "closed_at": sql["mql_at"] + pd.Timedelta(days=30),
        "amount": 1000.0,
    })
    j = funnel.build_journeys(leads, opps, stages=["mql", "sql", "opportunity", "won"], export_date=EXPORT)
    return funnel.add_touches(j, None)


def deals_without_touches():
    """400 deals in 2023 (inquiry -> opportunity -> won, one lead per deal, 1,000 each) and no
    sales touches: 40 of 100 won in Q1, Q3 and Q4, 70 of 100 in Q2. The final stage falls
    short of its best quarter, but whose side that is cannot be judged (like the B2B export)."""
    rows = []
    for q, wins in enumerate([40, 70, 40, 40]):
        for i in range(100):
            rows.append((f"d{q}_{i}", TS("2023-01-02") + pd.DateOffset(months=3 * q) + pd.Timedelta(days=i * 0.8),
                         i < wins))
    df = pd.DataFrame(rows, columns=["lead_id", "created_at", "won"])
    ids = pd.Series(df["lead_id"], dtype="string")
    opps = pd.DataFrame({"opportunity_id": "o" + ids, "lead_id": ids,
                         "outcome": pd.Series(np.where(df["won"], "won", "lost"), dtype="string"),
                         "created_at": df["created_at"], "closed_at": df["created_at"] + pd.Timedelta(days=20),
                         "amount": 1000.0})
    j = funnel.build_journeys(pd.DataFrame({"lead_id": ids, "created_at": df["created_at"]}), opps,
                              stages=["inquiry", "opportunity", "won"], export_date=EXPORT)
    return funnel.add_touches(j, None)
