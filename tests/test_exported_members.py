"""Each package's ``__all__`` lists exactly what it exports, and all of it exists."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["graph", "seed_data", "matching"])
def test_all_is_honest(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", [])
    assert exported == sorted(exported)
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
    public = {n for n in vars(module) if not n.startswith("_")} - {"annotations"}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert public - submodules == set(exported)
