"""Regenerate the file table of docs/architecture.md from the modules' docstrings."""

import ast
import pathlib

root = pathlib.Path(__file__).resolve().parents[1]
pkgs = [p.parent.name for p in sorted((root / "helpers").glob("*/__init__.py"))]
out = []
for p in pkgs:
    d = root / "helpers" / p
    if not d.exists():
        continue
    out.append(f"\n### `helpers/{p}/`\n\n| file | lines | holds |\n|---|---:|---|")
    for f in sorted(d.glob("*.py")):
        doc = ast.get_docstring(ast.parse(f.read_text())) or ""
        first = " ".join(doc.strip().split("\n\n")[0].split())
        first = first.replace("|", "\\|")
        out.append(f"| `{f.name}` | {len(f.read_text().splitlines())} | {first} |")
text = (root / "docs" / "architecture.md").read_text()
start = text.index("<!-- files:start -->") + len("<!-- files:start -->")
end = text.index("<!-- files:end -->")
(root / "docs" / "architecture.md").write_text(
    text[:start] + "\n" + "\n".join(out) + "\n" + text[end:]
)
