"""helpers/data/errors.py: DataError's fields, combined errors, the wording of messages."""

from __future__ import annotations

import pytest

from helpers.core.config import ConfigError
from helpers.data import DataError, OrgConfigError
from helpers.data.errors import closest, combined_error, join_ints, quote, short_list, singular


def test_data_error_carries_where_and_lists_itself():
    err = DataError("leads.csv, line 3: bad", file="leads.csv", column="x", lines=[3], key="k")
    assert (err.message, err.file, err.column, err.lines, err.key) == (
        "leads.csv, line 3: bad", "leads.csv", "x", [3], "k"
    )
    assert err.errors == [err] and str(err) == err.message
    assert isinstance(err, ValueError)


def test_combined_error_numbers_every_problem_and_keeps_the_first_location():
    one = DataError("first", file="a.csv", lines=[2], key="files.a")
    two = DataError("second", file="b.csv")
    assert combined_error([one]) is one
    both = combined_error([one, two])
    assert str(both) == "2 problems stop the load:\n1. first\n2. second"
    assert (both.file, both.lines, both.key, both.errors) == ("a.csv", [2], "files.a", [one, two])
    assert not isinstance(both, ConfigError)
    config_first = combined_error([OrgConfigError("bad org.yml"), two])
    assert isinstance(config_first, ConfigError) and isinstance(config_first, DataError)


@pytest.mark.parametrize(
    ("plural", "single"),
    [
        ("are not numbers", "is not a number"),
        ("are impossible dates", "is an impossible date"),
        ("have an ambiguous day/month order", "has an ambiguous day/month order"),
        ("do not match the format '%Y' of the other dates", "does not match the format '%Y' of the other dates"),
        ("share an id", "share an id"),
    ],
)
def test_singular_agreement(plural, single):
    assert singular(plural) == single


def test_message_pieces():
    assert join_ints([2, 5]) == "2, 5"
    assert closest("hash_colums", ["hash_columns", "values"]) == " Did you mean 'hash_columns'?"
    assert closest("LEADID", ["LeadID", "Created"]) == " Did you mean 'LeadID'?"
    assert closest("zzz", ["abc"]) == ""
    assert short_list(["a", "b", "c"], limit=2) == "'a', 'b' and 1 more"
    assert quote("x" * 50) == repr("x" * 40 + "...")
