"""Rendezvous hashing divides apps among replicas so that a replica joining or leaving moves
only its own share (issue 17.1)."""

from __future__ import annotations

from gitward.store.fencing import owner

APPS = [f"app-{n}" for n in range(2000)]


def owners(replicas: list[str]) -> dict[str, str | None]:
    return {name: owner(name, replicas) for name in APPS}


def test_every_app_has_one_owner_and_the_shares_are_about_even() -> None:
    found = owners(["r1", "r2", "r3"])
    counts = {replica: list(found.values()).count(replica) for replica in ("r1", "r2", "r3")}
    assert sum(counts.values()) == len(APPS)
    assert min(counts.values()) > len(APPS) / 3 * 0.8


def test_a_replica_joining_takes_apps_only_from_the_others_never_moves_them_between_them() -> None:
    before, after = owners(["r1", "r2", "r3"]), owners(["r1", "r2", "r3", "r4"])
    moved = [name for name in APPS if before[name] != after[name]]
    assert all(after[name] == "r4" for name in moved)
    assert len(APPS) / 4 * 0.8 < len(moved) < len(APPS) / 4 * 1.2


def test_a_replica_leaving_hands_over_only_its_own_apps() -> None:
    before, after = owners(["r1", "r2", "r3"]), owners(["r1", "r3"])
    moved = [name for name in APPS if before[name] != after[name]]
    assert moved == [name for name in APPS if before[name] == "r2"]


def test_no_replica_owns_nothing() -> None:
    assert owner("app", []) is None
