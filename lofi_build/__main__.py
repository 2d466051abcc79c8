"""``python -m lofi_build`` runs the CLI."""

from .cli import main

main()
