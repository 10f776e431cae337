"""``python -m sim``: run the Hydra app."""

from sim.cli.app import main

main()
