"""docs/architecture.md names every file of the package (its table is generated from docstrings)."""

from __future__ import annotations

from helpers.core import paths

DOC = paths.DOCS / "architecture.md"


def test_every_package_file_is_listed():
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for init in sorted((paths.REPO_ROOT / "helpers").glob("*/__init__.py")):
        package = init.parent
        section = f"### `helpers/{package.name}/`"
        assert section in text, f"docs/architecture.md has no section {section}"
        body = text.split(section, 1)[1].split("\n### ", 1)[0]
        missing += [f"{package.name}/{f.name}" for f in package.glob("*.py") if f"`{f.name}`" not in body]
    assert not missing, f"not in docs/architecture.md (run its generator): {missing}"
