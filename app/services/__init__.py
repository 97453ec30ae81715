"""Business rules. Nothing here knows about HTTP: errors come from ``app.errors``."""
