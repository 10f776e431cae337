"""The command line: the Hydra app and the sweep callback. The only code that imports Hydra."""
