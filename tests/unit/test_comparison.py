"""Paired policy comparisons (sim.comparison): exact values on small hand-built tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.experiment.comparison import compare_policies, comparison_columns, max_half_width
from sim.kpi.definitions import KPI_NAMES

T2 = float(stats.t.ppf(0.975, 2))  # Student-t quantile for three pairs
T3 = float(stats.t.ppf(0.975, 3))


def table(values: dict[str, list[float]], kpi: str = "service_level", **keys) -> pd.DataFrame:
    """One row per (policy, replication) of one selection: ``values[policy][r]``."""
    rows = [
        {
            "policy": policy,
            "replication": r,
            "contact_type": keys.get("contact_type", "all"),
            "group": keys.get("group", "all"),
            kpi: v,
        }
        for policy, series in values.items()
        for r, v in enumerate(series)
    ]
    return pd.DataFrame(rows)


def test_known_differences_give_exact_mean_and_t_interval():
    t = table({"none": [0.5, 0.6, 0.7], "a": [1.5, 2.6, 3.7]})
    out = compare_policies(t, kpis=("service_level",))
    assert list(out.columns) == comparison_columns(("service_level",))
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["policy"], row["baseline"], row["contact_type"], row["group"]) == (
        "a",
        "none",
        "all",
        "all",
    )
    assert row["replications"] == 3
    half = T2 * 1.0 / math.sqrt(3)  # differences 1, 2, 3: sd 1
    assert row["diff_service_level"] == pytest.approx(2.0, abs=1e-12)
    assert row["diff_service_level_ci_low"] == pytest.approx(2.0 - half, abs=1e-12)
    assert row["diff_service_level_ci_high"] == pytest.approx(2.0 + half, abs=1e-12)


def test_negative_differences_are_not_clipped():
    # A share KPI whose difference interval reaches below 0 (and summaries would clip).
    t = table({"none": [0.9, 0.8, 0.7], "a": [0.8, 0.6, 0.4]})
    row = compare_policies(t, kpis=("service_level",)).iloc[0]
    half = T2 * 0.1 / math.sqrt(3)  # differences -0.1, -0.2, -0.3
    assert row["diff_service_level"] == pytest.approx(-0.2)
    assert row["diff_service_level_ci_low"] == pytest.approx(-0.2 - half)
    assert row["diff_service_level_ci_high"] == pytest.approx(-0.2 + half)
    assert row["diff_service_level_ci_low"] < -0.4  # below a share's floor of 0


def test_pairing_cancels_the_shared_day_effect():
    # Each replication's day moves both policies alike; the policy adds 1, 2, 3, 4.
    day = np.array([100.0, -40.0, 250.0, 10.0])
    effect = np.array([1.0, 2.0, 3.0, 4.0])
    t = table({"none": list(day), "a": list(day + effect)}, kpi="asa_seconds")
    row = compare_policies(t, kpis=("asa_seconds",)).iloc[0]
    paired_half = T3 * np.std(effect, ddof=1) / math.sqrt(4)
    assert row["diff_asa_seconds"] == pytest.approx(2.5)
    assert row["diff_asa_seconds_ci_low"] == pytest.approx(2.5 - paired_half)
    assert row["diff_asa_seconds_ci_high"] == pytest.approx(2.5 + paired_half)
    # Treating the runs as independent (Welch) would be far wider.
    welch = stats.ttest_ind(day + effect, day, equal_var=False).confidence_interval(0.95)
    assert (welch.high - welch.low) / 2 > 50 * paired_half


def test_pairs_are_matched_by_replication_not_by_row_order():
    t = table({"none": [10.0, 20.0, 30.0], "a": [11.0, 22.0, 33.0]})
    shuffled = t.iloc[[4, 0, 2, 5, 1, 3]].reset_index(drop=True)
    out = compare_policies(shuffled, kpis=("service_level",))
    pd.testing.assert_frame_equal(out, compare_policies(t, kpis=("service_level",)))
    assert out.iloc[0]["diff_service_level"] == pytest.approx(2.0)


def test_nan_pairs_are_dropped_per_kpi():
    t = pd.DataFrame(
        {
            "policy": ["none"] * 4 + ["a"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "contact_type": "all",
            "group": "all",
            "offered": [100.0, 110.0, 120.0, 130.0, 101.0, 112.0, 123.0, 134.0],
            "asa_seconds": [5.0, np.nan, 7.0, 8.0, 6.0, 9.0, np.nan, 10.0],
        }
    )
    row = compare_policies(t, kpis=("offered", "asa_seconds")).iloc[0]
    assert row["replications"] == 4
    # offered: differences 1, 2, 3, 4 over all four replications.
    assert row["diff_offered"] == pytest.approx(2.5)
    half = T3 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert row["diff_offered_ci_high"] == pytest.approx(2.5 + half)
    # asa: replication 1 (baseline NaN) and 2 (policy NaN) drop out: differences 1, 2.
    assert row["diff_asa_seconds"] == pytest.approx(1.5)
    half = stats.t.ppf(0.975, 1) * np.std([1, 2], ddof=1) / math.sqrt(2)
    assert row["diff_asa_seconds_ci_low"] == pytest.approx(1.5 - half)


def test_single_pair_has_nan_bounds_and_no_pair_gives_nan():
    t = pd.DataFrame(
        {
            "policy": ["none", "none", "a", "a"],
            "replication": [0, 1, 0, 1],
            "contact_type": "all",
            "group": "all",
            "offered": [1.0, 2.0, 4.0, np.nan],
            "asa_seconds": [np.nan, 1.0, 3.0, np.nan],
        }
    )
    row = compare_policies(t, kpis=("offered", "asa_seconds")).iloc[0]
    assert row["diff_offered"] == 3.0
    assert math.isnan(row["diff_offered_ci_low"]) and math.isnan(row["diff_offered_ci_high"])
    assert math.isnan(row["diff_asa_seconds"])
    assert math.isnan(row["diff_asa_seconds_ci_low"])


def test_replication_missing_in_one_policy_is_left_out():
    # Policy "a" lacks replication 1, policy "b" replication 3 (e.g. an interrupted run).
    t = pd.concat(
        [
            table({"none": [10.0, 20.0, 30.0, 40.0]}),
            table({"a": [11.0, 99.0, 33.0, 44.0]}).query("replication != 1"),
            table({"b": [10.0, 20.0, 30.0, 99.0]}).query("replication != 3"),
        ],
        ignore_index=True,
    )
    out = compare_policies(t, kpis=("service_level",)).set_index("policy")
    assert out.loc["a", "replications"] == 3
    assert out.loc["a", "diff_service_level"] == pytest.approx((1 + 3 + 4) / 3)
    assert out.loc["b", "replications"] == 3
    assert out.loc["b", "diff_service_level"] == 0.0
    assert out.loc["b", "diff_service_level_ci_low"] == 0.0


def test_several_policies_and_selections_in_order_of_first_appearance():
    parts = []
    for contact_type, group, shift in [("all", "all", 0.0), ("sales", "all", 5.0)]:
        parts.append(
            table(
                {"z": [3.0 + shift, 4.0 + shift], "none": [1.0, 1.0], "b": [1.0, 2.0]},
                contact_type=contact_type,
                group=group,
            )
        )
    t = pd.concat(parts, ignore_index=True)
    out = compare_policies(t, kpis=("service_level",))
    assert list(zip(out["policy"], out["contact_type"], strict=True)) == [
        ("z", "all"),
        ("b", "all"),
        ("z", "sales"),
        ("b", "sales"),
    ]
    assert list(out["diff_service_level"]) == pytest.approx([2.5, 0.5, 7.5, 0.5])
    assert (out["baseline"] == "none").all()


def test_selection_the_baseline_lacks_has_no_pairs():
    t = pd.concat(
        [table({"none": [1.0, 2.0], "a": [2.0, 3.0]}), table({"a": [5.0, 6.0]}, group="x")],
        ignore_index=True,
    )
    out = compare_policies(t, kpis=("service_level",))
    assert list(out["group"]) == ["all", "x"]
    assert list(out["replications"]) == [2, 0]
    assert math.isnan(out.iloc[1]["diff_service_level"])


def test_default_kpis_and_other_baseline():
    rows = [
        {"policy": p, "replication": r, "contact_type": "all", "group": "all"}
        | {k: float(r + (i if p == "b" else 0)) for i, k in enumerate(KPI_NAMES)}
        for p in ("a", "b")
        for r in range(3)
    ]
    out = compare_policies(pd.DataFrame(rows), baseline="a")
    assert list(out.columns) == comparison_columns(KPI_NAMES)
    assert list(out["policy"]) == ["b"]
    for i, kpi in enumerate(KPI_NAMES):
        assert out.iloc[0][f"diff_{kpi}"] == i
        assert out.iloc[0][f"diff_{kpi}_ci_low"] == i  # no spread: zero width


def test_unknown_baseline_names_it_and_the_policies_present():
    t = table({"a": [1.0], "b": [2.0]})
    with pytest.raises(ValueError, match=r"'none'.*\['a', 'b'\]"):
        compare_policies(t, kpis=("service_level",))


def test_only_baseline_gives_empty_frame_with_columns():
    out = compare_policies(table({"none": [1.0, 2.0]}), kpis=("service_level",))
    assert out.empty
    assert list(out.columns) == comparison_columns(("service_level",))


def test_duplicate_rows_and_missing_kpi_are_errors():
    t = table({"none": [1.0, 2.0], "a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than one row"):
        compare_policies(pd.concat([t, t.iloc[[2]]]), kpis=("service_level",))
    with pytest.raises(ValueError, match="cost"):
        compare_policies(t, kpis=("service_level", "cost"))
    with pytest.raises(ValueError, match="level"):
        compare_policies(t, kpis=("service_level",), level=95)


def test_level_changes_only_the_width():
    t = table({"none": [0.0, 0.0, 0.0], "a": [1.0, 2.0, 3.0]})
    row = compare_policies(t, kpis=("service_level",), level=0.9).iloc[0]
    half = stats.t.ppf(0.95, 2) / math.sqrt(3)
    assert row["diff_service_level_ci_high"] == pytest.approx(2.0 + half)


@settings(derandomize=True, deadline=None, max_examples=50)
@given(
    st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)),
        min_size=1,
        max_size=8,
    )
)
def test_policy_against_a_copy_of_itself_differs_by_exactly_zero(values):
    t = table({"none": values, "copy": values})
    row = compare_policies(t, kpis=("service_level",)).iloc[0]
    n = sum(not math.isnan(v) for v in values)
    assert row["replications"] == len(values)
    if n == 0:
        assert math.isnan(row["diff_service_level"])
    else:
        assert row["diff_service_level"] == 0.0
    if n >= 2:
        assert row["diff_service_level_ci_low"] == 0.0
        assert row["diff_service_level_ci_high"] == 0.0
    else:
        assert math.isnan(row["diff_service_level_ci_low"])


def test_max_half_width_is_the_widest_policy_of_the_selection():
    t = pd.concat(
        [
            table({"none": [0.0, 0.0, 0.0], "a": [1.0, 2.0, 3.0], "b": [1.0, 3.0, 5.0]}),
            table({"none": [0.0, 0.0, 0.0], "a": [0.0, 50.0, 100.0]}, contact_type="sales"),
        ],
        ignore_index=True,
    )
    out = compare_policies(t, kpis=("service_level",))
    assert max_half_width(out) == pytest.approx(T2 * 2.0 / math.sqrt(3))
    assert max_half_width(out, contact_type="sales") == pytest.approx(T2 * 50 / math.sqrt(3))


def test_max_half_width_is_nan_when_any_interval_is_undefined():
    t = pd.concat(
        [
            table({"none": [0.0, 0.0], "a": [1.0, 2.0]}),
            table({"b": [1.0, 2.0]}).query("replication == 0"),
        ],
        ignore_index=True,
    )
    out = compare_policies(t, kpis=("service_level",))
    assert math.isnan(max_half_width(out))
    assert not max_half_width(out) < 0.01  # a sequential-sampling loop keeps going


def test_max_half_width_edge_cases():
    empty = compare_policies(table({"none": [1.0, 2.0]}), kpis=("service_level",))
    assert max_half_width(empty) == 0.0
    out = compare_policies(table({"none": [1.0, 2.0], "a": [1.0, 3.0]}), kpis=("service_level",))
    with pytest.raises(ValueError, match="'sale'"):
        max_half_width(out, contact_type="sale")
    with pytest.raises(ValueError, match="diff_occupancy"):
        max_half_width(out, kpi="occupancy")
