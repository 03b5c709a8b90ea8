"""Platform-neutral use cases. Handlers never import a platform SDK.

The router (and with it the database layer) is imported only when a router is built:
``policybot ask`` and ``config check`` import handler modules that need neither, and a
cold ``ask`` should not pay for SQLAlchemy and Alembic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.router import Router

#: Feature modules, each with ``register(router)``. Order is the order of /help.
FEATURES = (
    "handlers.basic",
    "handlers.policy",
    "handlers.policy_document",
    "handlers.schools",
    "handlers.acknowledgements",
    "handlers.reports",
    "handlers.home",
)


def build_router() -> Router:
    from handlers.router import Router

    router = Router()
    for name in FEATURES:
        importlib.import_module(name).register(router)
    return router


__all__ = ["FEATURES", "build_router"]
