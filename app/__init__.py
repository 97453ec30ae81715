"""Contested: claim-versus-denial fact tracking."""

__version__ = "0.1.0"
