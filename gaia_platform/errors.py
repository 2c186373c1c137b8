"""The one exception tree the CLI turns into messages and exit codes."""


class GaiaError(Exception):
    """Anything the tool reports to the user as a one-paragraph message."""

    exit_code = 1


class ConfigError(GaiaError):
    """Bad input: a profile file, a flag, or an answer from a cloud that makes no sense."""

    exit_code = 2


class SandboxError(GaiaError):
    """The local sandbox could not be built, started or reached."""


class CloudError(GaiaError):
    """An OpenStack or Kubernetes call failed in a way the user must act on."""


class TransientError(CloudError):
    """A failure worth retrying: the service was briefly unavailable (5xx, 429)."""


class WaitTimeout(GaiaError):
    """A resource did not reach the wanted state in time."""
