"""Coaching statistics against published worked examples, by hand, at small n including 0 and n successes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from etl.coaching import stats

# Newcombe RG (1998). Interval estimation for the difference between independent proportions: comparison of
# eleven methods. Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score, no continuity correction).
NEWCOMBE_TABLE_II = [
    # x1, n1, x2, n2, low, high
    (56, 70, 48, 80, 0.0524, 0.3339),   # (a) difference 0.2
    (9, 10, 3, 10, 0.1705, 0.8090),     # (b)
    (6, 7, 2, 7, 0.0582, 0.8062),       # (c)
    (5, 56, 0, 29, -0.0381, 0.1926),    # (d) 0 successes in one group
    (0, 10, 0, 20, -0.1611, 0.2775),    # (e) 0 successes in both
    (0, 10, 0, 10, -0.2775, 0.2775),    # (f)
    (10, 10, 0, 20, 0.6791, 1.0000),    # (g) n successes and 0 successes
    (10, 10, 0, 10, 0.6075, 1.0000),    # (h)
]


@pytest.mark.parametrize("x1,n1,x2,n2,low,high", NEWCOMBE_TABLE_II)
def test_newcombe_method_10_matches_table_ii(x1, n1, x2, n2, low, high):
    difference, lo, hi = stats.newcombe_interval(x1, n1, x2, n2, 0.95)
    assert float(difference) == pytest.approx(x1 / n1 - x2 / n2)
    assert (float(lo), float(hi)) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_matches_newcombe_1998_table_i():
    # Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of seven methods.
    # Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
    low, high = stats.wilson_interval([81, 15, 0, 1, 29, 5], [263, 148, 20, 29, 29, 0], 0.95)
    assert low[:5] == pytest.approx([0.2553, 0.0624, 0.0, 0.0061, 0.8830], abs=5e-5)
    assert high[:5] == pytest.approx([0.3662, 0.1605, 0.1611, 0.1718, 1.0], abs=5e-5)
    assert np.isnan(low[5]) and np.isnan(high[5])  # no contacts: no interval


def test_newcombe_interval_is_nan_without_contacts():
    difference, low, high = stats.newcombe_interval([3, 0], [0, 10], [1, 2], [5, 0])
    assert np.isnan(difference).all() and np.isnan(low).all() and np.isnan(high).all()


def test_midp_on_fishers_tea_tasting():
    # Fisher's tea-tasting experiment, 3 of 4 cups right against 1 of 4 (Agresti, Categorical Data Analysis, 3rd
    # ed. 2013, section 3.5.1 and 3.5.3): one-sided Fisher P = 17/70 = 0.243, mid-P = 0.243 - 16/70/2 = 0.129.
    # Here as "is group 2 (1 of 4) lower than group 1 (3 of 4)".
    assert float(stats.midp_lower(1, 4, 3, 4)) == pytest.approx(17 / 70 - 16 / 70 / 2)
    assert float(stats.midp_lower(3, 4, 1, 4)) == pytest.approx(1 - (17 / 70 - 16 / 70 / 2))


def test_midp_at_zero_and_n_successes_by_hand():
    # 0/5 against 5/5: the only table with these margins that is as extreme; P(X = 0) = 1 / C(10, 5) = 1/252
    assert float(stats.midp_lower(0, 5, 5, 5)) == pytest.approx(0.5 / 252)
    # no success (or no failure) anywhere: nothing to tell apart
    assert float(stats.midp_lower(0, 10, 0, 20)) == pytest.approx(0.5)
    assert float(stats.midp_lower(10, 10, 20, 20)) == pytest.approx(0.5)
    # 2/2 against 0/3 asks "is 2/2 lower": P(X < 2) + P(X = 2)/2 = 1 - P(X = 2)/2, P(X = 2) = C(2,2)C(3,0)/C(5,2)
    assert float(stats.midp_lower(2, 2, 0, 3)) == pytest.approx(1 - 0.1 / 2)
    assert np.isnan(stats.midp_lower(0, 0, 1, 3))


def test_welch_matches_the_worked_example():
    # A published worked example of Welch's t (senseofstudy.com, "Two-Sample Tests", example 4): n = 20, mean 100,
    # s = 15 against n = 20, mean 95, s = 20: SE = sqrt(31.25) = 5.59, t = 0.895, df = 35.2.
    difference, low, high, p = stats.welch(100, 15 ** 2, 20, 95, 20 ** 2, 20, 0.95)
    se = np.sqrt(31.25)
    assert float(difference) / se == pytest.approx(0.895, abs=1e-3)
    df = 31.25 ** 2 / ((225 / 20) ** 2 / 19 + (400 / 20) ** 2 / 19)
    assert df == pytest.approx(35.2, abs=0.05)
    assert float(p) == pytest.approx(sps.t.sf(5 / se, df))
    assert float(high) - 5 == pytest.approx(sps.t.ppf(0.975, df) * se) and float(low) + float(high) == pytest.approx(10)


def test_welch_on_logs_of_handle_times_by_hand():
    # agent 300, 600, 1200 s; rest 300, 300, 300, 600 s. ln values: agent mean ln(600), variance (ln 2)^2;
    # rest mean ln(300) + ln(2)/4, variance (ln 2)^2 / 4. Welch by hand below.
    agent, rest = np.log([300, 600, 1200]), np.log([300, 300, 300, 600])
    ma, va = stats.log_moments(3, agent.sum(), (agent ** 2).sum())
    mr, vr = stats.log_moments(4, rest.sum(), (rest ** 2).sum())
    ln2 = np.log(2)
    assert (float(ma), float(va)) == (pytest.approx(np.log(600)), pytest.approx(ln2 ** 2))
    assert (float(mr), float(vr)) == (pytest.approx(np.log(300) + ln2 / 4), pytest.approx(ln2 ** 2 / 4))
    difference, low, high, p = stats.welch(ma, va, 3, mr, vr, 4)
    se = np.sqrt(ln2 ** 2 / 3 + ln2 ** 2 / 16)
    df = se ** 4 / ((ln2 ** 2 / 3) ** 2 / 2 + (ln2 ** 2 / 16) ** 2 / 3)
    assert float(difference) == pytest.approx(0.75 * ln2)
    assert float(p) == pytest.approx(sps.t.sf(0.75 * ln2 / se, df))
    assert float(high) - float(low) == pytest.approx(2 * sps.t.ppf(0.975, df) * se)


def test_welch_needs_two_on_each_side_and_handles_identical_values():
    difference, low, high, p = stats.welch([1.0, 2.0], [0.0, 0.0], [1, 5], [1.0, 1.0], [0.0, 0.0], [5, 5])
    assert np.isnan(difference[0]) and np.isnan(p[0])
    assert float(difference[1]) == 1.0 and float(p[1]) == 0.0 and float(low[1]) == float(high[1]) == 1.0


def test_benjamini_hochberg_on_the_1995_example():
    # Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. JRSS B 57:289-300, section 4: the 15
    # p-values of the myocardial-infarction study; at q = 0.05 the procedure rejects the four smallest.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
         0.6528, 0.7590, 1.000]
    rejected, adjusted = stats.benjamini_hochberg(p, 0.05)
    assert rejected.tolist() == [True] * 4 + [False] * 11
    assert adjusted[3] == pytest.approx(0.0095 * 15 / 4)  # 0.035625
    assert adjusted[4] == pytest.approx(min(0.0201 * 15 / 5, 0.0298 * 15 / 7))  # step-up: later ranks lower it


def test_benjamini_hochberg_skips_untested_and_shuffled_order():
    rejected, adjusted = stats.benjamini_hochberg([0.04, np.nan, 0.001, 0.5], 0.05)
    # three tests: 0.001 * 3 = 0.003, 0.04 * 3 / 2 = 0.06, 0.5
    assert rejected.tolist() == [False, False, True, False]
    assert np.isnan(adjusted[1]) and adjusted[0] == pytest.approx(0.06) and adjusted[2] == pytest.approx(0.003)
    assert stats.benjamini_hochberg([np.nan], 0.05)[0].tolist() == [False]
