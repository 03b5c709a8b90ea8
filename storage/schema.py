"""Every table module, imported so ``SQLModel.metadata`` is complete for Alembic.

A feature that adds tables adds its module here and a migration in
``storage/migrations/versions``.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData
from sqlmodel import SQLModel

import storage


def load_metadata() -> MetaData:
    """Import ``storage.models`` and every ``storage.*_models`` module; return the metadata."""
    importlib.import_module("storage.models")
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name.endswith("_models"):
            importlib.import_module(f"storage.{module.name}")
    return SQLModel.metadata
