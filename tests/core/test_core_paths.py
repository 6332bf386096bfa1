"""helpers/core/paths.py: paths resolve from the repository root and never escape their folder."""

from __future__ import annotations

import pytest

from helpers.core import paths


def test_repo_layout():
    for folder in ["notebooks", "datasets", "helpers", "exercises", "solutions", "tests"]:
        assert (paths.REPO_ROOT / folder).is_dir()
    assert paths.SIC_CODES.is_file()


def test_resolve_relative_to_repo_root_from_any_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.resolve("datasets/sample") == paths.SAMPLE_ORG


@pytest.mark.parametrize("rel", ["../x.csv", "a/../../x.csv", "/etc/passwd"])
def test_safe_join_refuses_escapes(tmp_path, rel):
    with pytest.raises(paths.PathEscapeError, match="files.leads.path"):
        paths.safe_join(tmp_path, rel, what="files.leads.path")


def test_safe_join_allows_subfolders(tmp_path):
    assert paths.safe_join(tmp_path, "sub/leads.csv") == (tmp_path / "sub" / "leads.csv").resolve()


@pytest.mark.parametrize("name", ["..", "a/b", "", "x\\y"])
def test_safe_name_refuses(name):
    with pytest.raises(paths.PathEscapeError):
        paths.safe_name(name)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Acme Corp (EU)", "acme-corp-eu"), ("Sample", "sample"), ("  Olist - BR  ", "olist-br"),
     ("Fixture Org", "fixture-org"), ("Société 2", "soci-t-2")],
)
def test_org_slug(name, slug):
    assert paths.org_slug(name) == slug


@pytest.mark.parametrize("name", ["a/b", "..", "x..y", "a\\b"])
def test_org_slug_refuses_names_that_leave_the_folder(name):
    with pytest.raises(paths.PathEscapeError):
        paths.org_slug(name)


def test_org_slug_needs_a_letter_or_digit():
    with pytest.raises(ValueError, match="no letters or digits"):
        paths.org_slug("!!!")


def test_portable_never_gives_an_absolute_path(tmp_path):
    """A report records paths relative to the repository, else by their own name."""
    assert paths.portable(paths.SAMPLE_ORG) == "datasets/sample"
    assert paths.portable("datasets/sample") == "datasets/sample"
    assert paths.portable(paths.REPORTS / "acme") == "reports/acme"
    assert paths.portable(paths.REPO_ROOT) == "."
    assert paths.portable(tmp_path / "acme_export") == "acme_export"
