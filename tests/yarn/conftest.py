"""The session sandbox and the CLI runner, shared with tests/deploy."""

from tests.deploy.conftest import logs, platform

__all__ = ["logs", "platform"]
