"""The sweep summary's overrides, parsed by Hydra's own override parser (sim.cli.sweep_jobs)."""

from __future__ import annotations

from sim.cli.sweep_jobs import parse_overrides, swept_keys


def test_values_are_plain_data_as_hydra_reads_them():
    parsed = parse_overrides(
        [
            "scenario=erlang",
            "scenario.agents=12",
            "service_level.target=0.85",
            "scenario.patience_seconds=null",
            "+scenario.extra=1e3",
            "++run.allow_large=true",
            "~costs.currency",
            "scenario.name='a,b'",
            r"scenario.label=a\,b",
            "policies=[none, analyst]",
            "policy@policy.x=y",
        ]
    )
    assert parsed == {
        "scenario": "erlang",
        "scenario.agents": 12,
        "service_level.target": 0.85,
        "scenario.patience_seconds": None,
        "scenario.extra": 1000.0,  # the prefix dropped from the key
        "run.allow_large": "true",
        "costs.currency": None,
        "scenario.name": "a,b",  # quotes removed
        "scenario.label": "a,b",  # an escaped comma is no sweep
        "policies": "[none,analyst]",  # Hydra's canonical form
        "policy@policy.x": "y",
    }


def test_swept_keys_are_hydras_sweeps_only():
    lines = [
        "scenario=erlang",
        "scenario.agents=9,10,11",
        "run.seed=range(1,3)",
        "service_level.target=choice(0.8,0.9)",
        "+scenario.extra=interval(0,1)",
        'scenario.outages=[{kind:telephony,start:"09:00"}]',  # commas inside brackets
        "scenario.name='a,b'",
        r"scenario.label=a\,b",
        "policies=[none,analyst]",
    ]
    assert swept_keys(lines) == [
        "scenario.agents",
        "run.seed",
        "service_level.target",
        "scenario.extra",
    ]
