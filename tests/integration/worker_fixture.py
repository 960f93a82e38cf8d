"""The worker handle integration tests annotate ``running_worker`` with (importable by test modules).

Workers are started with :func:`streams.cli.harness.start_worker`; see ``conftest.py``.
"""

from __future__ import annotations

from streams.cli.harness import WorkerProcess

WorkerHandle = WorkerProcess

__all__ = ["WorkerHandle"]
