"""The emulator's background process: ``python -m gaia_platform.sandbox.emulator DIR``."""

import sys
from pathlib import Path

from .config import EmulatorConfig
from .server import EmulatorServer


def main() -> None:
    directory = Path(sys.argv[1])
    config = EmulatorConfig.read(directory / "emulator.json")
    EmulatorServer(config, directory).serve_forever()


if __name__ == "__main__":
    main()
