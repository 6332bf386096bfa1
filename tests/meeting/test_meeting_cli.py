"""``alignment-edge brief ORG [--week]``: one printable page for the weekly meeting."""

from __future__ import annotations

from helpers.runner import cli


def test_brief_command_writes_the_page(sample_org_dir, tmp_path, capsys):
    status = cli.main(
        ["brief", str(sample_org_dir), "--week", "2023-09-27", "--report", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert status == 0
    page = tmp_path / "brief_2023-09-25.html"
    assert page.is_file() and str(page) in out
    assert "week 2023-09-25 to 2023-10-01" in out
    assert "ALERT" in page.read_text(encoding="utf-8")  # module 2 alerted on mql->sal that week


def test_brief_command_says_when_a_week_has_no_data(sample_org_dir, tmp_path, capsys):
    out_file = tmp_path / "old.html"
    status = cli.main(
        [
            "brief",
            str(sample_org_dir),
            "--week",
            "2019-01-09",
            "--out",
            str(out_file),
            "--report",
            str(tmp_path),
        ]
    )
    captured = capsys.readouterr()
    assert status == 0 and out_file.is_file()
    assert "No lead reached any stage in the week of 2019-01-07" in captured.out


def test_brief_command_refuses_a_bad_date(sample_org_dir, capsys):
    status = cli.main(["brief", str(sample_org_dir), "--week", "2024-13-45"])
    err = capsys.readouterr().err
    assert status == 2
    assert "--week 2024-13-45" in err and "YYYY-MM-DD" in err
