"""The wheel must carry every package and the YAML, or `pip install . && cptbot ask` fails for users."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_every_python_package_under_bot_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bot").rglob("__init__.py")}
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to [tool.setuptools] packages"
    assert {"bot._shipped.knowledge", "bot._shipped.intents"} <= listed
