"""The pieces several test directories build their worlds from, written once: real git
repositories (the strategy document's example, or files of a test's own), the sandbox cluster
as gitward reaches it, a gitward server on a thread of its own, and logged-in clients.

Importable from every test directory as ``support`` (``pythonpath = ["tests"]`` in
pyproject.toml). Only what two or more worlds share lives here; each directory keeps its own
world (its repository's content, its server's configuration, its fixtures) beside its tests.
"""
