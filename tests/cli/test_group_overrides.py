"""A group's settings set plainly from the command line, whether or not the scenario's YAML
lists them: ``scenario.groups.<group>...=value`` is read as Hydra's ``++`` (add or override)."""

from __future__ import annotations

import ccsim_process

from sim.cli.app import group_overrides


def test_plain_group_overrides_become_add_or_override():
    args = [
        "scenario.groups.sales.absenteeism.no_show_probability=0.1",
        "+scenario.groups.digital.chat_stretch=0.2",
        "++scenario.groups.billing.chat_concurrency=1",
        "scenario=default",
        "-m",
        "scenario.groups",  # not an override: left alone
    ]
    assert group_overrides(args) == [
        "++scenario.groups.sales.absenteeism.no_show_probability=0.1",
        "+scenario.groups.digital.chat_stretch=0.2",
        "++scenario.groups.billing.chat_concurrency=1",
        "scenario=default",
        "-m",
        "scenario.groups",
    ]


def test_a_plain_group_override_reaches_the_config_and_a_wrong_group_is_named(tmp_path):
    def sim(*args):
        return ccsim_process.run(args, cwd=tmp_path, timeout=120)

    shown = sim("scenario.groups.sales.absenteeism.no_show_probability=0.1", "--cfg", "job")
    assert shown.returncode == 0, shown.stderr
    assert "no_show_probability: 0.1" in shown.stdout
    refused = sim(
        "scenario.groups.nobody.absenteeism.no_show_probability=0.1",
        "policies=none",
        "run.replications=1",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert refused.returncode == 2, refused.stderr
    assert "scenario.groups.nobody: no column 'nobody'" in refused.stderr
    assert not (tmp_path / "run" / "parts").exists()
