"""Segments beyond the accounts' firmographics: declared attributes and firmographics on deal rows.

Many exports describe a deal on its own row - a route to market, a product line, an
occupation, a company size typed as a text band - rather than in an accounts table.
``org.yml: parameters: icp_segments`` names such columns (mapped under ``columns``): each
becomes a dimension with the same intervals, pooling and rule search as the firmographics
(:func:`describe_attribute` reads its kind: text, ordered text bands, numbers or yes/no).
Canonical firmographic columns (``industry``, ``employees``, ``region``, ...) found on the
deal or lead rows stand in for an accounts table that lacks them (:func:`row_firmographics`).

A dimension's *level* says where its values come from: ``account`` (scored for accounts and
carried to their leads and deals), ``lead`` or ``deal`` (known per lead or per deal only: an
account's fit score counts them at their average effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.icp.bands import band, band_labels, ordered_labels, quantile_edges, text_band_order
from helpers.icp.labels import UNKNOWN, label_codes, relabel

#: Columns of the closed outcomes that are keys or figures, never segments.
RESERVED = ("opportunity_id", "lead_id", "account_id", "won", "amount", "cycle_days", "outcome")
#: Numeric attributes with at most this many distinct values are segmented value by value.
MAX_LEVELS = 8

SPEC_HELP = (
    "parameters: icp_segments in org.yml must be a list of column names, e.g. "
    "[route_to_market, region]; an entry may give the order of its labels, e.g. "
    "{company_size: [Small, Mid, Big]}."
)


def parse_segments(spec: Any) -> list[tuple[str, list[str] | None]]:
    """The declared attributes as ``(column, label order or None)`` pairs.

    Parameters
    ----------
    spec : list, dict, str or None
        ``parameters: icp_segments`` of ``org.yml``: a list of column names, where an
        entry may be a one-key mapping ``{column: [label, ...]}`` giving the order of
        text labels that do not read as bands (``{comp_size: [Small, Mid, Big]}``); a
        mapping ``{column: order or null}``; or one name.

    Raises
    ------
    ValueError
        When the value has another shape (the message shows the expected one).
    """
    if spec is None or spec == "" or spec == []:
        return []
    if isinstance(spec, str):
        spec = [s.strip() for s in spec.split(",") if s.strip()]
    if isinstance(spec, dict):
        spec = [{k: v} for k, v in spec.items()]
    if not isinstance(spec, list | tuple):
        raise ValueError(SPEC_HELP)
    out: list[tuple[str, list[str] | None]] = []
    for entry in spec:
        if isinstance(entry, str) and entry.strip():
            out.append((entry.strip(), None))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((name, order),) = entry.items()
            if order is not None and not isinstance(order, list | tuple):
                raise ValueError(SPEC_HELP)
            out.append((str(name).strip(), None if order is None else [str(o) for o in order]))
        else:
            raise ValueError(SPEC_HELP)
    return list({name: (name, order) for name, order in out}.values())


def _fmt(v: float) -> str:
    """A number as a segment label: ``1,200`` for whole numbers, else ``0.25``."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


@dataclass
class Attribute:
    """One segment dimension read from a column (the dimension takes the column's name).

    Attributes
    ----------
    name : str
        Column name, also the dimension's.
    table : str
        Where the values come from: ``opportunities``, ``leads`` or ``accounts``.
    kind : str
        ``text`` (unordered labels), ``bands`` (ordered text: parsed bands or the declared
        order), ``levels`` (a few distinct numbers, in order), ``numbers`` (banded at
        quantiles) or ``yes/no``.
    categories : list of str
        The labels in order (ordered kinds), without ``Unknown``.
    edges : list of float or None
        Band edges of ``numbers``.
    money : bool
        ``numbers`` labelled compactly ("1k-10k") rather than as counts ("10-49").
    """

    name: str
    table: str
    kind: str
    categories: list[str] = field(default_factory=list)
    edges: list[float] | None = None
    money: bool = False

    @property
    def ordered(self) -> bool:
        """Whether the labels have an order (bands are searched as contiguous ranges)."""
        return self.kind in ("bands", "levels", "numbers")

    def labels(self, values: pd.Series) -> pd.Series:
        """The segment label of every value (a Categorical, ``Unknown`` where missing)."""
        s = pd.Series(values)
        if self.kind == "numbers":
            return band(s, self.edges or [0.0], money=self.money)
        if self.kind == "levels":
            num = pd.to_numeric(s, errors="coerce")
            text = num.map(lambda v: None if pd.isna(v) else _fmt(v))
            return ordered_labels(text, self.categories)
        if self.kind == "bands":
            return ordered_labels(s, self.categories)
        if self.kind == "yes/no":
            b = s.astype("boolean")
            text = pd.Series(np.where(b.fillna(False), "yes", "no"), index=s.index, dtype=object)
            cats = ["yes", "no", UNKNOWN]
            return pd.Series(
                pd.Categorical(text.where(b.notna(), UNKNOWN), categories=cats),
                index=s.index,
                name=s.name,
            )
        return relabel(s, lambda c: c.strip() or UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``icp.yml`` (to segment accounts the same way later)."""
        d: dict[str, Any] = {"table": self.table, "kind": self.kind}
        if self.ordered:
            d["categories"] = list(self.categories)
        if self.edges is not None:
            d["edges"] = [float(e) for e in self.edges]
            d["money"] = bool(self.money)
        return d

    @classmethod
    def from_dict(cls, name: str, d: dict[str, Any]) -> Attribute:
        """The attribute written by :meth:`to_dict`."""
        return cls(
            name,
            d.get("table", "accounts"),
            d.get("kind", "text"),
            list(d.get("categories") or []),
            d.get("edges"),
            bool(d.get("money", False)),
        )


def describe_attribute(
    name: str, table: str, values: pd.Series, order: list[str] | None = None
) -> Attribute | str:
    """How a column segments: its :class:`Attribute`, or a sentence saying why it cannot.

    Text labels that read as bands ("1K to 5K", "More than 25K") are ordered by their
    bounds; ``order`` orders labels that do not ("Small, Mid, Big"). Numbers with at most
    :data:`MAX_LEVELS` distinct values are segmented value by value, others banded at
    their quantiles; yes/no columns give two segments. Dates are not segments.
    """
    s = pd.Series(values)
    where = f"{table}.{name}"
    if not s.notna().any():
        return f"{where} holds no values, so it is not a segment."
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return f"{where} holds dates, which are not segments, so it is left out."
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.infer_dtype(s.dropna()) == "boolean":
        return Attribute(name, table, "yes/no")
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = pd.to_numeric(s, errors="coerce").dropna()
        distinct = np.unique(x.to_numpy(dtype="float64"))
        if len(distinct) <= MAX_LEVELS:
            return Attribute(name, table, "levels", [_fmt(v) for v in distinct])
        edges = quantile_edges(x)
        money = not bool(np.all(np.mod(distinct, 1) == 0))
        return Attribute(name, table, "numbers", band_labels(edges, money), edges, money)
    if order:
        return Attribute(name, table, "bands", list(ordered_labels(s, order).cat.categories)[:-1])
    bands = text_band_order(s)
    if bands is not None:
        return Attribute(name, table, "bands", bands)
    return Attribute(name, table, "text")


def carry(labels: pd.Series, keys, targets) -> pd.Series:
    """Labels keyed by ``keys`` carried to rows keyed by ``targets`` (``Unknown`` without a match).

    The first row of a repeated key wins; the categories (and their order) are kept.
    """
    codes, cats = label_codes(labels)
    cats = list(cats)
    if UNKNOWN not in cats:
        cats.append(UNKNOWN)
    unk = cats.index(UNKNOWN)
    by_key = pd.Series(codes, index=pd.Index(np.asarray(keys, dtype=object)))
    by_key = by_key[~by_key.index.duplicated()]
    found = by_key.reindex(pd.Index(np.asarray(targets, dtype=object)))
    out_codes = found.fillna(unk).to_numpy(dtype=np.int64)
    ordered = isinstance(labels.dtype, pd.CategoricalDtype) and labels.dtype.ordered
    return pd.Series(pd.Categorical.from_codes(out_codes, categories=cats, ordered=ordered))


def one_outcome_note(name: str, table: str, labels: pd.Series, won: pd.Series) -> str | None:
    """A sentence when ``labels`` are known only for won (or only for lost) outcomes, else ``None``.

    Such a field is filled in with or after the outcome (a deal's segment recorded only
    once it is won): it describes the outcome, not who wins.
    """
    known = (labels.astype("object") != UNKNOWN).to_numpy()
    w = won.astype(bool).to_numpy()
    if known.sum() < 10 or known.all():
        return None
    for kind, flag in (("won", True), ("lost", False)):
        if (w[known] == flag).all() and (w[~known] != flag).any():
            return (
                f"{table}.{name} is filled only for {kind} outcomes ({int(known.sum()):,} of "
                f"{len(w):,}): it is recorded with the outcome and cannot say who wins, so it "
                "is left out."
            )
    return None


def has_values(df: pd.DataFrame | None, col: str) -> bool:
    """``df`` exists and its column ``col`` holds at least one value."""
    return df is not None and col in df.columns and bool(df[col].notna().any())


def _search_order(source: str, tables: dict[str, pd.DataFrame | None]) -> list[tuple[str, str]]:
    """Where a declared column is looked for: ``(table, how it reaches the outcomes)``.

    The outcome rows first, then the deal's lead (or, for lead outcomes, the lead's
    opportunity), then the account.
    """
    if source == "opportunities":
        order = [("opportunities", "row"), ("leads", "lead"), ("accounts", "account")]
    else:
        order = [("leads", "row"), ("opportunities", "lead"), ("accounts", "account")]
    return [(t, how) for t, how in order if tables.get(t) is not None]


def join_attributes(
    deals: pd.DataFrame,
    lead_seg: pd.DataFrame | None,
    acc_seg: pd.DataFrame | None,
    specs: list[tuple[str, list[str] | None]],
    *,
    source: str,
    tables: dict[str, pd.DataFrame | None],
    taken: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Attribute], dict[str, str]]:
    """The declared attributes as dimensions of the closed outcomes, leads and accounts.

    Parameters
    ----------
    deals : DataFrame
        Closed outcomes with ``_row`` (position in their table), ``lead_id`` and ``account_id``.
    lead_seg, acc_seg : DataFrame or None
        Every lead's and account's segments (gain the attributes they can carry).
    specs : list of (column, order)
        From :func:`parse_segments`.
    source : str
        ``opportunities`` or ``leads`` (the outcome rows' table).
    tables : dict
        The canonical tables: ``opportunities``, ``leads``, ``accounts`` (or ``None``).
    taken : list of str
        Dimensions already segmented (a declared name among them is not read twice).

    Returns
    -------
    (deals, lead_seg, acc_seg, attributes, skipped)
        ``attributes``: name -> :class:`Attribute` of each one kept; ``skipped``: one
        sentence per declared column left out (absent, a key, dates, unlinked, or
        filled only for one outcome).
    """
    attributes: dict[str, Attribute] = {}
    skipped: dict[str, str] = {}
    for name, order in specs:
        if name in taken:
            continue
        if name in RESERVED:
            skipped[f"attribute:{name}"] = (
                f"icp_segments names '{name}', a key or a figure of the deals, not a segment, "
                "so it is left out."
            )
            continue
        found = next(
            ((t, how) for t, how in _search_order(source, tables) if has_values(tables[t], name)),
            None,
        )
        if found is None:
            skipped[f"attribute:{name}"] = (
                f"icp_segments names '{name}', which no table holds (or it is empty): map the "
                "export column under that name in org.yml's columns, or fix the name."
            )
            continue
        table, how = found
        frame = tables[table]
        attr = describe_attribute(name, table, frame[name], order)
        if isinstance(attr, str):
            skipped[f"attribute:{name}"] = attr
            continue
        labels = attr.labels(frame[name].reset_index(drop=True))
        _spread(name, labels, table, how, frame, deals, lead_seg, acc_seg)
        note = None
        if (deals[name].astype("object") == UNKNOWN).all():
            note = f"{table}.{name} cannot be linked to the closed outcomes, so it is left out."
        elif how != "account":
            note = one_outcome_note(name, table, deals[name], deals["won"])
        if note is not None:
            skipped[f"attribute:{name}"] = note
            for seg in (deals, lead_seg, acc_seg):
                if seg is not None and name in seg:
                    seg.drop(columns=name, inplace=True)
            continue
        attributes[name] = attr
    return deals, lead_seg, acc_seg, attributes, skipped


def _spread(
    name: str,
    labels: pd.Series,
    table: str,
    how: str,
    frame: pd.DataFrame,
    deals: pd.DataFrame,
    lead_seg: pd.DataFrame | None,
    acc_seg: pd.DataFrame | None,
) -> None:
    """Put an attribute's labels on the outcomes, leads and accounts that can carry them, in place.

    The outcomes get it by position (their own rows), through their lead, or through their
    account; leads get the values of leads (or of their opportunity, for lead outcomes) and of
    their account; accounts get account values. Unlinkable rows read ``Unknown``.
    """
    key = {"row": None, "lead": "lead_id", "account": "account_id"}[how]
    if key is None:
        deals[name] = carry(labels, range(len(frame)), deals["_row"]).array
    elif key in frame:
        deals[name] = carry(labels, frame[key].astype("str"), deals[key]).array
    else:
        deals[name] = carry(labels, [], deals["_row"]).array
    if table == "accounts":
        if acc_seg is not None:
            acc_seg[name] = carry(
                labels, frame["account_id"].astype("str"), acc_seg["account_id"]
            ).array
        link = "account_id"
    elif table == "leads" or how == "lead":
        link = "lead_id"
    else:
        return  # a deal's own field: leads do not carry it
    if lead_seg is not None and link in frame and link in lead_seg:
        lead_seg[name] = carry(labels, frame[link].astype("str"), lead_seg[link]).array
