"""Proof of log-in throttling: an attacker guessing one user's password, as fast as allowed, with the default
settings. Time is simulated (the guard's clock), so the figures do not depend on the machine."""

from __future__ import annotations

import pytest

from etl import login_guard
from etl.login_guard import LoginGuard
from etl.settings import Settings

pytestmark = pytest.mark.prove
DAY = 24 * 3600


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guard(tmp_path, monkeypatch) -> tuple[LoginGuard, Clock]:
    clock = Clock()
    monkeypatch.setattr(login_guard, "_clock", clock)
    return LoginGuard(Settings(users_file=tmp_path / "users.toml")), clock


def test_fifty_quick_guesses_then_the_right_password(guard):
    guard, clock = guard
    checked = sum(guard.attempt("manager", "198.51.100.7").allowed for _ in range(50))  # every guess wrong
    right = guard.attempt("manager", "198.51.100.7")
    print(f"\nbrute force, 50 wrong passwords in one burst: checked {checked}, accepted 0; "
          f"the right one next: {'refused (' + right.reason + ')' if not right.allowed else 'checked'}")
    assert checked == 3 and not right.allowed  # 3 free, then a 1 s wait the burst does not honour


def test_a_patient_attacker_gets_a_few_hundred_guesses_a_day(guard):
    """Guessing one user from many addresses (so no client lock), waiting exactly as long as told each time."""
    guard, clock = guard
    start, checked, client = clock.now, 0, 0
    while clock.now - start < DAY:
        client += 1
        decision = guard.attempt("manager", f"203.0.113.{client % 250}")
        if decision.allowed:
            checked += 1
        else:
            clock.now += decision.retry_after
    locks_per_day = checked / 5
    print(f"\nbrute force, one user, 24 h, waiting out every throttle and lock: {checked} passwords checked "
          f"({locks_per_day:.0f} lock-outs), 0 accepted without the password")
    assert 400 <= checked <= 500  # 5 per 15-minute lock-out: 480


def test_one_client_guessing_many_users_is_slowed_down(guard):
    """One address trying a new user name every minute: the doubling wait holds it near 9 guesses per 15 minutes
    (it never reaches the 20 that would lock it)."""
    guard, clock = guard
    checked = 0
    for n in range(200):
        checked += guard.attempt(f"user{n}", "198.51.100.9").allowed
        clock.now += 60
    print(f"\nbrute force, one client, 200 user names a minute apart: {checked} passwords checked")
    assert checked <= 200 * 10 // 15
