"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack
import pytest
import requests
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from gaia_platform.sandbox.cloudsfile import (
    CLOUD_NAME,
    clouds_entry,
    new_credentials,
    new_data_credentials,
    password_entry,
)
from gaia_platform.sandbox.emulator.config import EmulatorConfig
from gaia_platform.sandbox.emulator.server import EmulatorServer
from gaia_platform.sandbox.lifecycle import Sandbox
from gaia_platform.sandbox.paths import cache_dir
from tests.zeppelin import launcher


@dataclass
class Emulator:
    """A running OpenStack emulator on 127.0.0.1 and ways to reach it like a client would."""

    server: EmulatorServer
    directory: Path

    @property
    def config(self) -> EmulatorConfig:
        return self.server.state.config

    @property
    def url(self) -> str:
        return self.server.url

    def connect(self, **extra: Any) -> openstack.connection.Connection:
        """openstacksdk over HTTP with the sandbox's application credential."""
        entry = clouds_entry(self.config)
        return openstack.connect(
            auth_type=entry["auth_type"], auth=entry["auth"],
            region_name=entry["region_name"], **extra,
        )

    def connect_data(self) -> openstack.connection.Connection:
        """openstacksdk as the second project (the one that owns data shares)."""
        entry = clouds_entry(self.config, self.config.other_projects[0])
        return openstack.connect(auth_type=entry["auth_type"], auth=entry["auth"],
                                 region_name=entry["region_name"])

    def connect_password(self, **extra: Any) -> openstack.connection.Connection:
        entry = password_entry(self.config)
        return openstack.connect(auth=entry["auth"], region_name=entry["region_name"], **extra)

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.url}/_sandbox/requests", params={"since": since}, timeout=5)
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()
        return result

    def last_seq(self) -> int:
        entries = self.requests()
        return int(entries[-1]["seq"]) if entries else 0

    def fault(self, **rule: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.url}/_sandbox/faults", json=rule, timeout=5)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def set_time_scale(self, scale: float) -> None:
        answer = requests.post(
            f"{self.url}/_sandbox/config", json={"time_scale": scale}, timeout=5
        )
        answer.raise_for_status()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A fresh emulator per test, fast clock (a Magnum cluster builds in ~0.3 s)."""
    config = EmulatorConfig(port=0, credentials=new_credentials(), time_scale=0.0005,
                            other_projects=[new_data_credentials()])
    server = EmulatorServer(config, tmp_path).start()
    try:
        yield Emulator(server, tmp_path)
    finally:
        server.stop()


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    status: dict[str, Any]

    @property
    def directory(self) -> Path:
        return self.sandbox.directory

    def connect(self, cloud: str = CLOUD_NAME) -> openstack.connection.Connection:
        """openstacksdk exactly as a user would: the sandbox's clouds.yaml and a cloud name
        (gaia-sandbox, or gaia-sandbox-data for the project that owns data shares)."""
        loader = openstack.config.OpenStackConfig(config_files=[str(self.sandbox.clouds_yaml)])
        return openstack.connection.Connection(config=loader.get_one(cloud=cloud))

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


@pytest.fixture(scope="session")
def zeppelin_launcher() -> Iterator[Callable[[str], launcher.Launcher]]:
    """Zeppelin's Kubernetes launcher per version (tests/zeppelin/launcher.py): one JVM each,
    started when a test first needs that version and shared by the whole session."""
    running: dict[str, launcher.Launcher] = {}

    def get(version: str) -> launcher.Launcher:
        if version not in running:
            running[version] = launcher.start(version)
        return running[version]

    yield get
    for started in running.values():
        started.close()
