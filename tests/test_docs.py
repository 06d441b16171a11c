"""Every ```python block of the README and docs/ runs."""

import linecache
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [(f.name, i, code) for f in FILES
          for i, code in enumerate(re.findall(r"```python\n(.*?)```", f.read_text(), re.S))]


@pytest.mark.parametrize("name,i,code", BLOCKS, ids=[f"{n}-{i}" for n, i, _ in BLOCKS])
def test_doc_block_runs(name, i, code, capsys):
    filename = f"{name}[block {i}]"
    # the source goes in linecache, as for a file, so AutoGraph can read the functions'
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), {"__name__": "__docs__"})
