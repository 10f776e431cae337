"""``python -m sim``: run the Hydra app."""

from .cli import main

main()
