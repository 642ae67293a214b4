"""The RBAC package's public surface is what ``gitward.server.rbac.__all__`` says."""

from __future__ import annotations

import gitward.server.rbac


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.server.rbac.__all__) == {
        "ACTIONS",
        "ADMIN_ROLE",
        "BUILTIN_POLICY",
        "PROJECT_SCOPED",
        "READONLY_ROLE",
        "RESOURCES",
        "Decision",
        "Policy",
        "Subject",
        "project_of",
        "subject_from_claims",
    }


def test_every_public_name_is_importable():
    missing = [n for n in gitward.server.rbac.__all__ if not hasattr(gitward.server.rbac, n)]

    assert missing == []
