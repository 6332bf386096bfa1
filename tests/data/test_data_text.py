"""helpers/data/text.py: values as text, ids as text, and the fast Arrow look-ups."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from helpers.data import isin_values, positions_in, text_equals
from helpers.data.text import as_text, clean_text, norm_id, obj_text


def test_as_text_of_each_dtype():
    assert as_text(pd.Series([3.0, 2.5, None])).tolist()[:2] == ["3", "2.5"]
    assert pd.isna(as_text(pd.Series([3.0, 2.5, None]))[2])
    assert as_text(pd.Series([True, False])).tolist() == ["true", "false"]
    dates = pd.Series(pd.to_datetime(["2024-01-02 00:00", "2024-01-02 10:30"]))
    assert as_text(dates).tolist() == ["2024-01-02", "2024-01-02 10:30:00"]
    mixed = pd.Series([1.0, True, dt.date(2024, 3, 1), "x", None], dtype=object)
    out = as_text(mixed)
    assert out.tolist()[:4] == ["1", "true", "2024-03-01", "x"] and pd.isna(out[4])


def test_obj_text():
    assert obj_text(pd.Timestamp("2024-01-05")) == "2024-01-05"
    assert obj_text(dt.datetime(2024, 1, 5, 9, 30)) == "2024-01-05 09:30:00"
    assert obj_text(12.0) == "12" and obj_text(1.5) == "1.5" and obj_text(False) == "false"


def test_norm_id_and_clean_text():
    assert norm_id(pd.Series(["103.0", "A.1", "7", None])).tolist()[:3] == ["103", "A.1", "7"]
    assert norm_id(pd.Series([101.0, 102.0])).tolist() == ["101", "102"]
    cleaned = clean_text(pd.Series([" a ", "", "n/a", "NA", None]), ["n/a"])
    assert cleaned.tolist()[0] == "a" and cleaned.tolist()[3] == "NA"
    assert cleaned.isna().tolist() == [False, True, True, False, True]


def test_fast_lookups_match_pandas():
    ids = pd.Series(["L1", "L2", "L3"], dtype="str")
    keys = pd.Series(["L3", None, "L9", "L1"], dtype="str")
    assert positions_in(keys, ids).tolist() == [2, -1, -1, 0]
    assert isin_values(keys, ids).tolist() == [True, False, False, True]
    assert isin_values(pd.Series([1, 2, 3]), [3, None]).tolist() == [False, False, True]
    assert text_equals(pd.Series(["Sales", None, "sales ", "SALES"]), "sales").tolist() == [
        True, False, False, True
    ]
    with pytest.raises(ValueError, match="repeated"):
        positions_in(keys, pd.Series(["a", "a"]))
    assert isinstance(isin_values(keys, ids), np.ndarray)
