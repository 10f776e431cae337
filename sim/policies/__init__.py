"""Realtime intervention policies: what a realtime analyst does while watching the day.

:mod:`sim.policies.api` is the contract with the model (the view a policy reads, the actions
it returns), :mod:`sim.policies.base` the interface every policy implements, and
:mod:`sim.policies.registry` finds them by name. Each policy is one module of this package.
"""
