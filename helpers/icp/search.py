"""The rule search: one winning set of segments per dimension, kept only when it beats chance.

:func:`select_segment_splits` is the statistical core of :func:`helpers.icp.fit_icp`: a
logistic model on one "in the winning set" indicator per dimension, each set chosen by a
score test, each dimension's p-value from simulated searches under "no effect" and Holm's
step-down test over the dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.icp.labels import OTHER_SMALL, UNKNOWN
from helpers.icp.segments import design_labels, kept_segments


def _aggregate(labels: pd.DataFrame, won: pd.Series) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Collapse outcomes to unique segment combinations: (keys, wins, n)."""
    frame = labels.assign(_won=won.astype(bool).to_numpy())
    g = frame.groupby(list(labels.columns), observed=True, sort=True)["_won"]
    agg = pd.DataFrame({"wins": g.sum(), "n": g.size()}).reset_index()
    return (
        agg[list(labels.columns)],
        agg["wins"].to_numpy(dtype="float64"),
        agg["n"].to_numpy(dtype="float64"),
    )


def _irls(
    X: np.ndarray, wins: np.ndarray, n: np.ndarray, ridge: float = 1e-4, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Binomial logistic regression on aggregated rows (Newton steps); returns (beta, covariance).

    ``X`` carries the intercept in its first column; a tiny ridge on the other
    coefficients keeps a segment that always wins (or loses) finite.
    """
    k = X.shape[1]
    beta = np.zeros(k)
    base = wins.sum() / n.sum()
    beta[0] = math.log(base / (1 - base))
    pen = np.full(k, ridge)
    pen[0] = 0.0
    H = np.eye(k)
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(X @ beta)))
        grad = X.T @ (wins - n * p) - pen * beta
        H = (X * (n * p * (1 - p))[:, None]).T @ X + np.diag(pen)
        step = np.linalg.lstsq(H, grad, rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta, np.linalg.pinv(H, hermitian=True)


@dataclass
class SegmentSplit:
    """One dimension's winning set, with the evidence that it beats chance.

    ``statistic`` is its score test, ``threshold`` the chance level it beat, ``p_value``
    the search-corrected p-value and ``null`` the simulated statistics behind them.
    """

    dimension: str
    segments: list[str]
    statistic: float
    threshold: float
    p_value: float = float("nan")
    null: np.ndarray | None = field(default=None, repr=False)


def _candidate_sets(
    order: list[str], ordered: bool, counts: dict[str, float], min_n: int
) -> list[list[str]] | None:
    """Contiguous band ranges (ordered), or ``None`` for unordered dimensions (top-k sets, data-driven)."""
    if not ordered:
        return None
    k = len(order)
    sets = []
    for i in range(k):
        for j in range(i, k):
            if i == 0 and j == k - 1:
                continue
            ends_ok = (i == 0 or counts.get(order[i], 0) >= min_n) and (
                j == k - 1 or counts.get(order[j], 0) >= min_n
            )
            if ends_ok:
                sets.append(order[i : j + 1])
    return sets


def _score_search(
    resid: np.ndarray, exp_: np.ndarray, cov: np.ndarray, ranges: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Best score statistic over candidate sets, for one or many replicates.

    ``resid``: (replicates, segments) observed minus expected wins of each
    segment under the model of the other dimensions; ``exp_``: expected wins
    (segments,); ``cov``: (segments, segments) covariance of those residuals
    once the other dimensions are refitted. ``ranges``: (sets, segments) 0/1
    matrix of band ranges, or ``None`` for "top-k segments by observed /
    expected". The statistic of a set is (sum of its residuals)^2 / variance.
    Returns (best statistic, index of the best set) per replicate; for top-k the
    index is k - 1.
    """
    if ranges is not None:
        U = resid @ ranges.T
        Vs = np.einsum("sk,kl,sl->s", ranges, cov, ranges)[None, :]
    else:
        ratio = resid / np.maximum(exp_, 1e-12)[None, :]
        idx = np.argsort(-ratio, axis=1, kind="stable")
        U = np.cumsum(np.take_along_axis(resid, idx, axis=1), axis=1)
        # variance of the first m segments in each replicate's order: the running
        # sum of the reordered covariance matrix up to (m, m)
        c = cov[idx[:, :, None], idx[:, None, :]]
        c = np.cumsum(np.cumsum(c, axis=1), axis=2)
        Vs = np.diagonal(c, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where((U > 0) & (Vs > 1e-12), U**2 / Vs, 0.0)
    T = np.nan_to_num(T, nan=0.0, posinf=0.0)
    if T.shape[1] == 0:
        return np.zeros(T.shape[0]), np.zeros(T.shape[0], dtype=int)
    best = T.argmax(axis=1)
    return T[np.arange(T.shape[0]), best], best


def select_segment_splits(
    deals: pd.DataFrame,
    dims: list[str],
    *,
    won: str = "won",
    min_n: int = 30,
    alpha: float = 0.10,
    n_null: int = 2000,
    seed: int = 0,
) -> tuple[
    float, dict[str, SegmentSplit], dict[str, float], dict[str, float], dict[str, list[str]]
]:
    """Find, per dimension, the set of segments that wins more, keeping only what beats chance.

    The model is a logistic regression on one indicator per dimension: "the
    segment is in the winning set" (a contiguous band range such as 201-1,000
    employees, or the top segments of an unordered dimension such as industry).
    Every dimension starts in the model with its best set (found by a score test
    against the model of the other dimensions, the sets re-chosen until they are
    stable). Each dimension's p-value is the share of searches, run on outcomes
    simulated from the model without it, that find a set at least as strong (so
    searching many sets does not manufacture findings); the weakest dimension is
    dropped while Holm's step-down test over the dimensions rejects it (so testing
    several dimensions does not either: the chance of keeping any dimension that
    has no effect stays below ``alpha``). Starting from all dimensions (backward
    elimination) finds effects that only show together, such as a seniority and a
    function that win in combination. Segments with fewer than ``min_n`` outcomes
    are pooled (unordered) or may only sit inside a range (bands); ``Unknown`` and
    pooled segments never join a winning set.

    Parameters
    ----------
    deals : DataFrame
        Closed outcomes with the ``dims`` columns (bands as ordered Categoricals) and ``won``.
    dims : list of str
        Candidate dimensions.
    min_n : int
        Minimum outcomes of a segment.
    alpha : float
        Family-wise chance of keeping a dimension that has no effect (Holm).
    n_null : int
        Simulated searches per threshold.
    seed : int
        Seed of the simulation (results are reproducible).

    Returns
    -------
    (intercept, splits, effects, std_errors, kept)
        ``splits``: dimension -> chosen set with its statistic and threshold;
        ``effects`` / ``std_errors``: dimension -> log-odds effect of being in its
        set (and its standard error) in the final model; ``kept``: unordered
        dimension -> segments standing alone.
    """
    if not dims:  # nothing to segment by: the model is the overall win rate
        return _overall_log_odds(deals[won]), {}, {}, {}, {}
    rng = np.random.default_rng(seed)
    kept: dict[str, list[str]] = {}
    for d in dims:
        k = kept_segments(deals, d, min_n)
        if k is not None:
            kept[d] = k
    labels = design_labels(deals, dims, kept)
    keys, wins, n = _aggregate(labels, deals[won])
    info = {}
    for d in dims:
        cand = _dimension_candidates(deals, d, keys, n, min_n)
        if cand is not None:
            info[d] = cand
    search = _SplitSearch(keys, wins, n, dims, info, rng=rng, alpha=alpha, n_null=n_null)
    splits = _backward_elimination(search, alpha)
    beta, cov = search.fit(splits)
    # a dimension whose effect turns non-positive once the others are in is dropped
    while splits and (beta[1:] <= 0).any():
        drop = list(splits)[int(np.argmin(beta[1:]))]
        splits.pop(drop)
        beta, cov = search.fit(splits)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    effects = {d: float(b) for d, b in zip(splits, beta[1:])}
    errors = {d: float(s) for d, s in zip(splits, se[1:])}
    return float(beta[0]), splits, effects, errors, kept


def _overall_log_odds(won: pd.Series) -> float:
    """Log-odds of the overall win rate (the intercept of a model without dimensions)."""
    rate = min(max(float(won.astype(bool).mean()), 1e-9), 1 - 1e-9)
    return math.log(rate / (1 - rate))


@dataclass
class _Candidates:
    """The segments of one dimension that may form its winning set.

    ``member``: (rows, segments) 0/1 matrix of the aggregated rows' labels;
    ``ranges``: (sets, segments) 0/1 matrix of band ranges, ``None`` for an
    unordered dimension (its sets are the top-k segments, chosen from the data).
    """

    order: list[str]
    member: np.ndarray
    ranges: np.ndarray | None
    sets: list[list[str]] | None


def _dimension_candidates(
    deals: pd.DataFrame, d: str, keys: pd.DataFrame, n: np.ndarray, min_n: int
) -> _Candidates | None:
    """Candidate segments and sets of dimension ``d`` (``None`` when it offers no choice)."""
    ordered = isinstance(deals[d].dtype, pd.CategoricalDtype) and deals[d].dtype.ordered
    lab = keys[d].astype("str").to_numpy()
    counts = pd.Series(n).groupby(lab).sum().to_dict()
    if ordered:
        order = [str(c) for c in deals[d].cat.categories if str(c) not in (UNKNOWN, OTHER_SMALL)]
    else:
        order = sorted(s for s in counts if s not in (UNKNOWN, OTHER_SMALL))
    order = [s for s in order if counts.get(s, 0) > 0]
    sets = _candidate_sets(order, ordered, counts, min_n)
    member = (
        (lab[:, None] == np.array(order, dtype=object)[None, :]).astype("float64")
        if order
        else np.zeros((len(lab), 0))
    )
    ranges = None
    if sets is not None:
        ranges = (
            np.array([[1.0 if s in st else 0.0 for s in order] for st in sets])
            if sets
            else np.zeros((0, len(order)))
        )
    if not ordered:
        # a top-k set needs segments large enough to stand alone
        member = member[:, [i for i, s in enumerate(order) if counts.get(s, 0) >= min_n]]
        order = [s for s in order if counts.get(s, 0) >= min_n]
    if (len(order) >= 2 and len(ranges)) if ranges is not None else len(order) >= 1:
        return _Candidates(order, member, ranges, sets)
    return None


class _SplitSearch:
    """Score-test search of one dimension's winning set given the others, on aggregated rows."""

    def __init__(
        self,
        keys: pd.DataFrame,
        wins: np.ndarray,
        n: np.ndarray,
        dims: list[str],
        info: dict[str, _Candidates],
        *,
        rng: np.random.Generator,
        alpha: float,
        n_null: int,
    ):
        """Aggregated rows (``keys``, ``wins``, ``n``) and each dimension's candidates."""
        self.key_arrays = {d: keys[d].astype("str").to_numpy(dtype=object) for d in dims}
        self.n_rows = len(keys)
        self.wins, self.n, self.info = wins, n, info
        self.rng, self.alpha, self.n_null = rng, alpha, n_null

    def design(self, splits: dict[str, SegmentSplit], without: str | None = None) -> np.ndarray:
        """Intercept plus one "in the winning set" column per dimension of ``splits``."""
        cols = [np.ones(self.n_rows)]
        for d, sp in splits.items():
            if d != without:
                cols.append(np.isin(self.key_arrays[d], sp.segments).astype("float64"))
        return np.column_stack(cols)

    def fit(self, splits: dict[str, SegmentSplit]) -> tuple[np.ndarray, np.ndarray]:
        """The logistic model of the winning sets: (coefficients, covariance)."""
        return _irls(self.design(splits), self.wins, self.n)

    def residuals(
        self, d: str, splits: dict[str, SegmentSplit]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Observed minus expected wins of ``d``'s segments under the model of the others.

        Returns ``(resid (1, segments), expected (segments,), covariance (segments,
        segments))``, the covariance taken once the other dimensions are refitted.
        """
        X = self.design(splits, without=d)
        beta, _ = _irls(X, self.wins, self.n)
        p = 1 / (1 + np.exp(-(X @ beta)))
        e_row, w_row = self.n * p, self.n * p * (1 - p)
        member = self.info[d].member
        resid = ((self.wins - e_row) @ member)[None, :]
        exp_ = e_row @ member
        A = (member * w_row[:, None]).T @ X
        H = (X * w_row[:, None]).T @ X
        # (a pseudo-inverse: two dimensions' sets may coincide on small title lists)
        cov = np.diag(w_row @ member) - A @ np.linalg.pinv(H, hermitian=True) @ A.T
        return resid, exp_, (cov + cov.T) / 2

    def search(
        self, d: str, splits: dict[str, SegmentSplit], simulate: bool = True
    ) -> SegmentSplit | None:
        """Best set of ``d`` given the other dimensions in ``splits``, with its chance threshold."""
        cand = self.info[d]
        resid, exp_, cov = self.residuals(d, splits)
        stat, idx = _score_search(resid, exp_, cov, cand.ranges)
        if stat[0] <= 0:
            return None
        if cand.ranges is not None:
            segs = list(cand.sets[int(idx[0])])
        else:
            ratio = resid[0] / np.maximum(exp_, 1e-12)
            segs = [cand.order[i] for i in np.argsort(-ratio, kind="stable")[: int(idx[0]) + 1]]
        if not simulate:
            return SegmentSplit(d, segs, float(stat[0]), np.inf, float("nan"), None)
        # the same search on residuals simulated under "d has no effect"
        vals, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(vals, 0, None))
        sim = self.rng.standard_normal((self.n_null, len(cand.order))) @ root.T
        null, _ = _score_search(sim, exp_, cov, cand.ranges)
        pval = float((1 + np.sum(null >= stat[0])) / (1 + self.n_null))
        thr = float(np.quantile(null, 1 - self.alpha))
        return SegmentSplit(d, segs, float(stat[0]), thr, pval, null)


def _restabilise(search: _SplitSearch, splits: dict[str, SegmentSplit]) -> None:
    """Re-choose each dimension's set given the others until stable (at most 3 rounds), in place."""
    for _ in range(3):
        changed = False
        for d in list(splits):
            sp = search.search(d, splits, simulate=False)
            if sp is None:
                splits.pop(d)
                changed = True
            elif sp.segments != splits[d].segments:
                splits[d] = sp
                changed = True
        if not changed:
            break


def _backward_elimination(search: _SplitSearch, alpha: float) -> dict[str, SegmentSplit]:
    """Start from every dimension's best set; drop the weakest while Holm's test rejects it."""
    splits: dict[str, SegmentSplit] = {}
    for d in search.info:
        sp = search.search(d, {}, simulate=False)
        if sp is not None:
            splits[d] = sp
    n_tested = len(search.info)
    while splits:
        _restabilise(search, splits)
        if not splits:
            break
        tested = {d: search.search(d, splits) for d in splits}
        if any(sp is None for sp in tested.values()):
            splits = {d: sp for d, sp in tested.items() if sp is not None}
            continue
        # Holm step-down over every dimension tested (dropped ones count): the i-th
        # smallest p-value must be below alpha / (n_tested - i)
        ranked = sorted(tested.values(), key=lambda sp: (sp.p_value, -sp.statistic))
        failed = next(
            (i for i, sp in enumerate(ranked) if sp.p_value > alpha / (n_tested - i)), None
        )
        if failed is None:
            for i, sp in enumerate(ranked):  # the threshold each kept dimension beat
                sp.threshold = float(np.quantile(sp.null, 1 - alpha / (n_tested - i)))
            return {sp.dimension: sp for sp in ranked}
        splits.pop(ranked[-1].dimension)
    return splits
