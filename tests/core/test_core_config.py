"""helpers.core.config: strict org.yml validation, YAML details, the reference page, init drafts."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core import paths, schema
from helpers.core.config import (
    ConfigError,
    config_hash,
    draft_org_config,
    field_docs,
    load_org_config,
    parse_org_config,
    yaml_load,
)

EXAMPLES = paths.DATASETS / "examples"


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


def minimal(**extra) -> dict:
    return {"name": "T", "files": {"leads": {"path": "leads.csv"}}, **extra}


def test_minimal_config_defaults():
    cfg = parse_org_config(minimal())
    assert cfg.currency == "USD" and cfg.timezone == "UTC"
    assert cfg.files["leads"].delimiter == "," and cfg.files["leads"].encoding == "utf-8"
    assert cfg.stages == ["inquiry", "mql", "sal", "sql", "opportunity", "won"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal(colums={}), r"unknown key 'colums'.*Did you mean 'columns'"),
        (minimal(files={"leads": {"path": "a.csv", "delimter": ";"}}), r"files\.leads\.delimter.*'delimiter'"),
        (minimal(files={"lead": {"path": "a.csv"}}), r"unknown table 'lead'.*did you mean 'leads'"),
        (minimal(files={"accounts": {"path": "a.csv"}}), r"'leads' table is required"),
        (minimal(timezone="Paris"), r"unknown timezone 'Paris'"),
        (minimal(stages=["mql", "inquiry"]), r"funnel order"),
        (minimal(stages=["lead"]), r"unknown stage 'lead'"),
        (minimal(scales={"accounts": {"annual_revenue": "lots"}}), r"scales\.accounts\.annual_revenue"),
        (minimal(parameters={"bad name": 1}), r"not a valid Python name"),
        ({"files": {"leads": {"path": "a.csv"}}}, r"required key 'name' is missing"),
    ],
)
def test_strict_errors_name_the_key(data, expected):
    with pytest.raises(ConfigError, match=expected):
        parse_org_config(data, "org.yml")


def test_yaml_12_booleans_keep_yes_no_as_text():
    data = yaml_load("""
name: T
files: {leads: {path: a.csv}}
values:
  leads:
    converted: {Yes: true, No: false, 1: true}
booleans:
  true: [Yes, Oui]
  false: [No, Non, ""]
na_values: [Select, 0]
""")
    cfg = parse_org_config(data)
    assert cfg.values["leads"]["converted"] == {"Yes": True, "No": False, "1": True}
    assert cfg.booleans.true == ["Yes", "Oui"] and cfg.booleans.false == ["No", "Non", ""]
    assert cfg.na_values == ["Select", "0"]


def test_load_org_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_org_config(tmp_path)
    (tmp_path / "org.yml").write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_org_config(tmp_path)
    (tmp_path / "org.yml").write_text("name: T\nfiles: {leads: {path: a.csv}}\n")
    assert load_org_config(tmp_path).name == "T"
    assert len(config_hash(tmp_path)) == 64


def test_reference_page_documents_every_key():
    text = (paths.DOCS / "org-yml.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_.]+)`", text))
    missing = [key for key, _, _ in field_docs() if key not in documented]
    assert not missing, f"docs/org-yml.md lacks: {missing}"
    # the default NA tokens listed in the page are the loader's
    from helpers.data import DEFAULT_NA_VALUES

    for token in DEFAULT_NA_VALUES:
        if token:
            assert f"`{token}`" in text


@pytest.mark.parametrize("example", ["salesforce", "hubspot"])
def test_example_configs_load(example):
    from helpers.data import load_org

    data = load_org(EXAMPLES / example)
    assert data.has("leads", "created_at", "owner_id")
    assert data.has("opportunities", "outcome", "amount")
    assert set(data.opportunities["outcome"]) <= {"open", "won", "lost"}
    for df in data.tables().values():
        text = df.select_dtypes(include="str").astype(str)
        for col in text.columns:
            assert not text[col].str.contains(r"@[a-z-]+\.example", regex=True).any(), col


def test_salesforce_example_reads_us_dates_and_hashes_people():
    from helpers.data import load_org

    data = load_org(EXAMPLES / "salesforce")
    assert data.leads["created_at"][0] == pd.Timestamp("2024-01-15")
    assert data.source_files["leads"].hashed == ["owner_id", "person_key"]
    assert not data.leads["owner_id"].str.contains("Smith").any()
    assert data.opportunities["outcome"].tolist() == ["won", "open", "lost"]


def test_hubspot_example_timestamps_to_utc():
    from helpers.data import load_org

    data = load_org(EXAMPLES / "hubspot")
    # 2024-01-08 09:14 in Berlin (UTC+1 in winter)
    assert data.leads["created_at"][0] == pd.Timestamp("2024-01-08 08:14")
    assert data.leads["stage"].tolist() == ["won", "sql", "inquiry", "mql", "opportunity", "inquiry"]
    assert data.config.stages == ["inquiry", "mql", "sql", "opportunity", "won"]


@pytest.mark.parametrize("example", ["salesforce", "hubspot"])
def test_draft_org_config_from_example_exports(example, tmp_path):
    exports = sorted((EXAMPLES / example).glob("*.csv"))
    text = draft_org_config(exports, name="Drafted")
    cfg = parse_org_config(yaml_load(text))
    assert set(cfg.files) == {"accounts", "leads", "opportunities"}
    committed = load_org_config(EXAMPLES / example)
    # every canonical column the example maps is found by the draft (names differ per CRM)
    for table in ("leads", "opportunities", "accounts"):
        for target, source in committed.columns[table].items():

            # the Salesforce example keys accounts by name so that leads ("Company / Account") join
            chosen = (example, table, target) == ("salesforce", "accounts", "account_id")
            if target in schema.TABLES[table] and target not in ("stage", "converted") and not chosen:
                assert cfg.columns[table].get(target) == source, (table, target)
    # personal data is listed as left out, not mapped
    assert "personal data, left out" in text and '"Email"' in text
    assert "Email" not in cfg.columns["leads"].values()


def test_draft_detects_format_options(tmp_path):
    p = tmp_path / "Leads Export.csv"
    p.write_bytes("Lead ID;Created;Amount;Société\r\n1;25/03/2024;12,5;Bé\r\n".encode("cp1252"))
    text = draft_org_config([p])
    cfg = parse_org_config(yaml_load(text))
    spec = cfg.files["leads"]
    assert (spec.delimiter, spec.decimal, spec.encoding) == (";", ",", "cp1252")
    assert cfg.columns["leads"]["lead_id"] == "Lead ID"
    assert cfg.date_formats["leads"]["created_at"] == "%d/%m/%Y"


def test_draft_uses_opportunity_export_as_lead_list(tmp_path):
    p = tmp_path / "pipeline.csv"
    p.write_text("opportunity_id,deal_stage,engage_date,close_value\nX1,Won,2024-01-01,100\n"
                 "X2,Lost,2024-01-02,50\n")
    cfg = parse_org_config(yaml_load(draft_org_config([p])))
    assert cfg.files["opportunities"].path == "pipeline.csv"
    assert cfg.files["leads"].from_ == "opportunities" and cfg.files["leads"].path is None
    assert "lead_id" not in cfg.columns["leads"]  # the deal's id is the lead's: mapped once
    assert cfg.columns["opportunities"]["amount"] == "close_value"
    assert cfg.values["opportunities"]["outcome"] == {"Won": "won", "Lost": "lost"}


def test_draft_recognises_an_opportunity_level_export_without_ids(tmp_path):
    """Won/Loss results, an opportunity number, no lead columns: one row per deal."""
    p = tmp_path / "export.csv"
    rows = ["Opportunity Number;Result;Region;Company Size",
            *[f"{1000 + i};{'Won' if i % 3 else 'Loss'};North;Big" for i in range(30)]]
    p.write_text("\n".join(rows) + "\n")
    text = draft_org_config([p], name="Deals")
    cfg = parse_org_config(yaml_load(text))
    assert set(cfg.files) == {"opportunities", "leads"} and cfg.files["leads"].from_
    assert cfg.columns["opportunities"]["opportunity_id"] == "Opportunity Number"
    assert cfg.columns["opportunities"]["outcome"] == "Result"
    assert cfg.values["opportunities"]["outcome"] == {"Loss": "lost", "Won": "won"}
    # without an id column the rows are numbered
    q = tmp_path / "noid" / "deals.csv"
    q.parent.mkdir()
    q.write_text("Status;Source\n" + "".join(f"{'Won' if i % 2 else 'Lost'};Web\n" for i in range(9)))
    cfg = parse_org_config(yaml_load(draft_org_config([q])))
    assert cfg.files["opportunities"].row_ids and cfg.columns["leads"] == {"source": "Source"}
    assert cfg.name == "Noid"  # the folder's name by default


def test_draft_proposes_placeholders_as_missing_values(tmp_path):
    p = tmp_path / "leads.csv"
    lines = ["Lead ID,Industry,Country,Budget,Rating,Amount"]
    for i in range(40):
        industry = "Select" if i % 4 == 0 else ("--" if i % 7 == 0 else "Retail")
        country = "Select" if i % 5 == 0 else "FR"
        lines.append(f"L{i},{industry},{country},{'Unknown' if i % 9 == 0 else 'High'},A,$-")
    p.write_text("\n".join(lines) + "\n")
    cfg = parse_org_config(yaml_load(draft_org_config([p])))
    assert cfg.na_values == ["Select", "--", "Unknown"]  # "$-" is a zero amount, "A" a level
    single = tmp_path / "one" / "leads.csv"
    single.parent.mkdir()
    single.write_text("Lead ID,Industry\n" + "".join(f"L{i},Retail\n" for i in range(80)) + "L99,Select\n")
    assert parse_org_config(yaml_load(draft_org_config([single]))).na_values == []  # rare


def test_draft_keeps_opt_out_flags_and_drops_personal_data(tmp_path):
    p = tmp_path / "contacts.csv"
    p.write_text("Contact ID,Email,Do Not Email,Do Not Call,Phone\nC1,a@b.io,Yes,No,+33 1 23\n"
                 "C2,c@d.io,No,No,+33 4 56\n")
    text = draft_org_config([p])
    personal = next(ln for ln in text.splitlines() if "personal data, left out" in ln)
    assert '"Email"' in personal and '"Phone"' in personal and "Do Not" not in personal
    assert '# do_not_email: "Do Not Email"' in text and '# do_not_call: "Do Not Call"' in text


def _suggestions(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.splitlines()) if re.match(r"^\s*# ", ln)]


@pytest.mark.parametrize("example", ["salesforce", "hubspot", "shapes"])
def test_uncommenting_suggestions_keeps_the_yaml_valid(example, tmp_path):
    if example == "shapes":
        exports = [tmp_path / "deals.csv"]
        exports[0].write_text("Created,Status,Notes,Email\n01/02/2024,Won,x,a@b.io\n"
                              "02/01/2024,Lost,y,c@d.io\n")
    else:
        exports = sorted((EXAMPLES / example).glob("*.csv"))
    text = draft_org_config(exports, name="Drafted")
    lines = text.splitlines()
    found = _suggestions(text)
    assert found, "the draft suggests something to uncomment"
    for i in found:  # each suggestion alone
        one = lines.copy()
        one[i] = one[i].replace("# ", "", 1)
        parse_org_config(yaml_load("\n".join(one)))
    every = [ln.replace("# ", "", 1) if i in found else ln for i, ln in enumerate(lines)]
    parse_org_config(yaml_load("\n".join(every)))


def test_draft_reads_excel_and_parquet(tmp_path):
    pd.DataFrame({"Deal ID": [1], "Amount": [10.0], "Stage": ["Won"]}).to_excel(tmp_path / "deals.xlsx", index=False)
    pd.DataFrame({"lead_id": ["a"], "created_at": ["2024-01-01"]}).to_parquet(tmp_path / "leads.parquet")
    cfg = parse_org_config(yaml_load(draft_org_config([tmp_path / "deals.xlsx", tmp_path / "leads.parquet"])))
    assert cfg.columns["opportunities"]["opportunity_id"] == "Deal ID"
    assert cfg.columns["leads"]["created_at"] == "created_at"


def test_draft_errors():
    with pytest.raises(ValueError, match="at least one"):
        draft_org_config([])
    with pytest.raises(ValueError, match="not found"):
        draft_org_config([Path("/nonexistent/x.csv")])


def test_real_export_configs_parse():
    for org in ("olist", "maven", "salvirt", "b2b_software", "ironhack"):
        cfg = load_org_config(paths.ORGS / org)
        assert "leads" in cfg.files
        text = (paths.ORGS / org / "README.md").read_text(encoding="utf-8")
        assert "SHARED_DATASETS" in text or "shared/datasets" in text

    # the third-party data itself is never committed next to the configs
    import shutil
    import subprocess

    if shutil.which("git") is None or not (paths.REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot list committed files")
    tracked = subprocess.run(["git", "ls-files", "datasets/orgs"], cwd=paths.REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(f).name in ("README.md", "org.yml") for f in tracked), tracked


def test_yaml_dump_of_parsed_config_round_trips():
    cfg = load_org_config(EXAMPLES / "salesforce")
    again = parse_org_config(yaml.safe_load(yaml.safe_dump(cfg.model_dump(mode="json"))))
    assert again == cfg
