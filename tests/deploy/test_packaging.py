"""The package's metadata, as installed (what a wheel built from pyproject.toml says):
an SPDX licence with its LICENSE file, project URLs and classifiers."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = metadata.metadata("policybot")


def test_the_licence_is_mit_by_spdx_expression_with_its_file() -> None:
    assert INSTALLED["License-Expression"] == "MIT"
    assert INSTALLED.get_all("License-File") == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    classifiers = INSTALLED.get_all("Classifier") or []
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639: one place


def test_urls_and_classifiers_are_published() -> None:
    urls = dict(url.split(", ", 1) for url in INSTALLED.get_all("Project-URL") or [])
    assert set(urls) == {"Homepage", "Documentation", "Issues"}
    classifiers = INSTALLED.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert INSTALLED["Requires-Python"] == ">=3.11"
