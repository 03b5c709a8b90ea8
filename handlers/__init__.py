"""Platform-neutral use cases. Handlers never import a platform SDK."""

from __future__ import annotations

import importlib

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
    router = Router()
    for name in FEATURES:
        importlib.import_module(name).register(router)
    return router


__all__ = ["FEATURES", "Router", "build_router"]
