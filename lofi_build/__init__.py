"""lofi-build: a static-site generator that bakes an AI lofi hip-hop web player."""

__version__ = "0.1.0"
