"""Binning for the points table: readable numeric bins, grouped categories, information value.

Numbers are cut at rounded quantiles with labels such as ``1-2`` or ``200 to under 2,000``; text
values are grouped into a few classes of similar conversion (rare values pooled as ``other``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.scoring.features import MISSING, OTHER


def _nice(x: float) -> float:
    """Round to 2 significant digits (readable bin edges)."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    d = 1 - int(math.floor(math.log10(abs(x))))
    return float(round(x, d))


def _fmt(x: float) -> str:
    """Compact number for a bin label: 1,500 / 16M / 2.5B / 0.3."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}B"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2g}" if a < 10 else f"{x:,.0f}"


def _numeric_bins(v: np.ndarray, n_bins: int) -> list[float]:
    """Rounded inner quantile edges of the finite values (at most ``n_bins`` bins)."""
    fin = v[np.isfinite(v)]
    if fin.size == 0:
        return []
    qs = np.quantile(fin, np.linspace(0, 1, n_bins + 1)[1:-1])
    edges = sorted({_nice(q) for q in qs})
    edges = [e for e in edges if fin.min() < e <= fin.max()]
    return edges


def _bin_labels(edges: list[float], integer: bool) -> list[str]:
    """Readable labels of the bins ``(-inf, e1), [e1, e2), ..., [ek, inf)``.

    Whole numbers below 100,000 (counts, employees) read ``0``, ``1-2``, ``3+``; others
    ``under 200``, ``200 to under 2,000``, ``2,000 or more``.
    """
    labels = []
    bounds = [-np.inf, *edges, np.inf]
    integer = integer and (not edges or max(edges) < 100_000)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if integer:
            lo_i = 0 if not np.isfinite(lo) else int(math.ceil(lo))
            if not np.isfinite(hi):
                labels.append(f"{lo_i:,}+" if np.isfinite(lo) else "any")
            else:
                hi_i = int(math.ceil(hi)) - 1
                if not np.isfinite(lo):
                    labels.append(f"{hi_i:,} or less" if hi_i > 0 else "0")
                else:
                    labels.append(f"{lo_i:,}" if hi_i <= lo_i else f"{lo_i:,}-{hi_i:,}")
        elif not np.isfinite(lo):
            labels.append(f"under {_fmt(hi)}")
        elif not np.isfinite(hi):
            labels.append(f"{_fmt(lo)} or more")
        else:
            labels.append(f"{_fmt(lo)} to under {_fmt(hi)}")
    return labels


def _raw_text(s: pd.Series) -> np.ndarray:
    """Values as text, ``unknown`` where missing.

    Each distinct value is converted once (a million leads hold a few hundred values).
    """
    codes, uniques = pd.factorize(s)
    text = np.array([str(u) for u in uniques] + [MISSING], dtype=object)
    return text[codes]  # code -1 (missing) picks the last entry


def _bin_column(s: pd.Series, spec: dict) -> np.ndarray:
    """Bin labels of one column according to a scorecard bin spec."""
    if spec["kind"] == "numeric":
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        idx = np.searchsorted(np.asarray(spec["edges"], dtype="float64"), v, side="right")
        lab = np.asarray(spec["bins"], dtype=object)[idx]
        return np.where(np.isnan(v), MISSING, lab).astype(object)
    codes, uniques = pd.factorize(_raw_text(s))
    groups = pd.Series(uniques).map(spec["groups"]).fillna(spec["other"])
    return groups.to_numpy(dtype=object)[codes] if len(codes) else np.array([], dtype=object)


def _short(text: str, width: int = 28) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3].rstrip(" ,&") + "..."


def _group_label(cats: list[str], max_names: int = 3) -> str:
    """``"Inbound Call"``, ``"Paid Search, Trade Show"``, ``"A, B, C and 4 more"``."""
    cats = sorted(cats, key=lambda c: (c in (MISSING, OTHER), c))
    names = [_short(c) for c in cats]
    if len(names) <= max_names:
        return ", ".join(names)
    return ", ".join(names[: max_names - 1]) + f" and {len(names) - max_names + 1} more"


def _coarse_categories(s: pd.Series, y: np.ndarray, *, min_n: int, max_groups: int) -> dict:
    """Group a text field's values into at most ``max_groups`` classes of similar conversion.

    Values seen fewer than ``min_n`` times are pooled as ``other``; classes are ordered by
    their (smoothed) weight of evidence and the two neighbours closest in it are merged until
    ``max_groups`` remain. Returns a bin spec: ``groups`` (value -> class label), ``bins``
    (class labels), ``other`` (class of rare and unseen values).
    """
    raw = pd.Series(_raw_text(s))
    vc = raw.value_counts()
    frequent = set(vc[vc >= min_n].index)
    fine = raw.where(raw.isin(frequent), OTHER)
    g = pd.DataFrame({"c": fine.to_numpy(), "y": y}).groupby("c")["y"].agg(["sum", "size"])
    pos_tot, neg_tot = g["sum"].sum() + 0.5, (g["size"] - g["sum"]).sum() + 0.5
    woe = np.log(((g["sum"] + 0.5) / pos_tot) / ((g["size"] - g["sum"] + 0.5) / neg_tot))
    order = woe.sort_values().index.tolist()
    groups = [[c] for c in order]
    stats = [(float(g.at[c, "sum"]), float(g.at[c, "size"])) for c in order]

    def w(st):
        return math.log(((st[0] + 0.5) / pos_tot) / ((st[1] - st[0] + 0.5) / neg_tot))

    while len(groups) > max_groups:
        diffs = [w(stats[i + 1]) - w(stats[i]) for i in range(len(groups) - 1)]
        i = int(np.argmin(diffs))
        groups[i] = groups[i] + groups.pop(i + 1)
        a, b = stats[i], stats.pop(i + 1)
        stats[i] = (a[0] + b[0], a[1] + b[1])
    mapping: dict[str, str] = {}
    bins = []
    other_label = None
    for grp in groups:
        label = _group_label(grp)
        bins.append(label)
        for c in grp:
            mapping[c] = label
            if c == OTHER:
                other_label = label
    rare = set(vc.index) - frequent
    for c in rare:
        mapping[c] = other_label
    if other_label is None:  # nothing rare in training: unseen values go to the largest class
        sizes = {lab: sum(stats[i][1] for i in [k]) for k, lab in enumerate(bins)}
        other_label = max(sizes, key=sizes.get)
    return {
        "kind": "categorical",
        "groups": {str(k): str(v) for k, v in mapping.items() if k != OTHER},
        "bins": bins,
        "other": other_label,
    }


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Association of two binned fields (0 = unrelated, 1 = the same information)."""
    from scipy.stats.contingency import association

    tab = pd.crosstab(pd.Series(a), pd.Series(b)).to_numpy()
    if min(tab.shape) < 2:
        return 0.0
    return float(association(tab, method="cramer"))


def information_value(bins: np.ndarray, y: np.ndarray) -> float:
    """Weight-of-evidence information value of a binned feature.

    About 0.02 is weak, 0.1 medium and 0.3 strong.
    """
    df = pd.DataFrame({"b": bins, "y": y})
    g = df.groupby("b").y.agg(["sum", "size"])
    pos = (g["sum"] + 0.5) / (g["sum"].sum() + 0.5)
    neg = (g["size"] - g["sum"] + 0.5) / ((g["size"] - g["sum"]).sum() + 0.5)
    return float(((pos - neg) * np.log(pos / neg)).sum())
