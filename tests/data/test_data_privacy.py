"""helpers/data/privacy.py: keyed hashing, the per-org secret, emails and phones in free text."""

from __future__ import annotations

import pandas as pd
from data_fixtures import make_org

from helpers.core import paths
from helpers.data import load_org, privacy


def test_owner_hashed_consistently(basic):
    owners = basic.leads["owner_id"]
    assert owners[0] == owners[2] == owners[3]  # "Ann Smith" and "ann smith"
    assert owners[0] != owners[1]
    assert len(owners[0]) == 16 and "Ann" not in owners[0]
    # the same rep gets the same key in every table
    assert basic.activities["owner_id"][1] == owners[0]
    assert basic.opportunities["owner_id"][0] == owners[0]
    assert basic.source_files["leads"].hashed == ["owner_id", "person_key"]


def test_hash_uses_per_org_secret(tmp_path, monkeypatch):
    s = pd.Series(["Ann Smith", None], dtype="str")
    a = privacy.keyed_hash(s, b"k" * 32)
    b = privacy.keyed_hash(s, b"j" * 32)
    assert a[0] != b[0] and pd.isna(a[1])
    key_file = privacy.secret_key_path("Fixture Org")
    assert key_file.parent == paths.SECRETS and key_file.name == "fixture-org.key"
    k1 = privacy.secret_key("Fixture Org")
    assert privacy.secret_key("Fixture Org") == k1 and key_file.is_file()
    assert (key_file.stat().st_mode & 0o777) == 0o600


def test_pii_in_free_text_found_and_redacted(basic):
    found = {(p.column, p.kind): p for p in basic.pii}
    email = found[("notes", "email")]
    assert email.file == "leads.csv" and email.source_column == "Notes"
    assert email.lines == [5]  # lead 104 starts on line 5 (its note spans lines 5-6)
    phone = found[("notes", "phone")]
    assert phone.lines == [3]
    notes = basic.leads["notes"]
    assert notes[1] == "call him on [phone removed]"
    assert "dee@acme.example" not in notes[3] and "[email removed]" in notes[3]


def test_email_used_as_key_is_hashed_orreported(tmp_path):
    cfg = {
        "name": "T",
        "files": {"leads": {"path": "leads.csv"}, "activities": {"path": "acts.csv"}},
        "columns": {"leads": {"lead_id": "Email"}, "activities": {"lead_id": "Who"}},
    }
    org = make_org(tmp_path, cfg, {
        "leads.csv": "Email,created_at\nann@x.example,2024-01-01\nbob@x.example,2024-01-02\n",
        "acts.csv": "Who,occurred_at,activity_type\nANN@x.example,2024-01-03,call\n",
    })
    data = load_org(org)
    # a key column named like personal data is hashed; case is ignored so keys still join
    assert "lead_id" in data.source_files["leads"].hashed
    assert not data.leads["lead_id"].str.contains("@").any()
    # a key whose name does not say so keeps its values, and check says where the emails are
    (finding,) = data.pii
    assert (finding.table, finding.column, finding.lines, finding.redacted) == ("activities", "lead_id", [2], False)
    assert "hash_columns.activities" in finding.describe()
    assert data.issues[0].kind == "orphan_key"  # the clear email does not match the hashed one


def test_opt_out_flags_are_kept_while_addresses_are_dropped(tmp_path):
    from data_fixtures import leads_only, make_org

    from helpers.data import load_org

    cfg = leads_only({"columns": {"leads": {"do_not_email": "Do Not Email", "email": "Email"}}})
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,Do Not Email,Email\nL1,Yes,a@b.io\nL2,No,c@d.io\n"})
    data = load_org(org)
    assert data.leads["do_not_email"].tolist() == [True, False]
    assert "email" not in data.leads.columns
    assert data.source_files["leads"].dropped_personal == {"email": "Email"}
