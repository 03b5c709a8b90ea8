"""PolicyBot's edge: settings, CLI, app wiring, platform adapters, HTTP server, scheduler."""
