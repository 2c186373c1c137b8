"""The whole sandbox (emulator process + real control plane), started once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from gaia_platform.sandbox.cloudsfile import CLOUD_NAME
from gaia_platform.sandbox.lifecycle import Sandbox
from gaia_platform.sandbox.paths import cache_dir


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    status: dict[str, Any]

    @property
    def directory(self) -> Path:
        return self.sandbox.directory

    def connect(self) -> openstack.connection.Connection:
        """openstacksdk exactly as a user would: the sandbox's clouds.yaml and cloud name."""
        loader = openstack.config.OpenStackConfig(config_files=[str(self.sandbox.clouds_yaml)])
        return openstack.connection.Connection(config=loader.get_one(cloud=CLOUD_NAME))

    def admin_api(self) -> k8s.ApiClient:
        return k8s_config.new_client_from_config(
            config_file=self.status["kubernetes"]["admin_kubeconfig"]
        )


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("sandbox")
    running = Sandbox(directory, cache_dir())
    status = running.up(progress=lambda message: print(f"[sandbox] {message}"),
                        time_scale=0.002)
    try:
        yield RunningSandbox(running, status)
    finally:
        running.down()
