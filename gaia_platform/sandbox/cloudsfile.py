"""The clouds.yaml entry that points openstacksdk (or the openstack CLI) at the emulator."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import yaml

from .emulator.config import Credentials, EmulatorConfig

CLOUD_NAME = "gaia-sandbox"
#: The entry for the sandbox's second project, which owns data shares the way project
#: iris-gaia-data owns the Gaia catalogues on Arcus (gaia-dmp deployments/common/manila/
#: datashares.yaml): tests make shares there and deploy only reads them.
DATA_CLOUD_NAME = "gaia-sandbox-data"
DATA_PROJECT_NAME = "gaia-data"


def new_credentials() -> Credentials:
    """Fresh credentials per sandbox: nothing guessable, nothing shared between sandboxes."""
    return Credentials(
        username="gaia-admin",
        password=secrets.token_urlsafe(24),
        project_name="gaia",
        project_id=uuid.uuid4().hex,
        user_id=uuid.uuid4().hex,
        app_cred_id=uuid.uuid4().hex,
        app_cred_secret=secrets.token_urlsafe(48),
    )


def new_data_credentials() -> Credentials:
    """The data project's own user and application credential."""
    return Credentials(
        username="gaia-data-admin",
        password=secrets.token_urlsafe(24),
        project_name=DATA_PROJECT_NAME,
        project_id=uuid.uuid4().hex,
        user_id=uuid.uuid4().hex,
        app_cred_id=uuid.uuid4().hex,
        app_cred_secret=secrets.token_urlsafe(48),
        app_cred_name=DATA_CLOUD_NAME,
    )


def clouds_entry(config: EmulatorConfig, creds: Credentials | None = None) -> dict[str, Any]:
    """An application-credential entry, the way a real cloud hands credentials out."""
    creds = creds or config.credentials
    return {
        "auth_type": "v3applicationcredential",
        "auth": {
            "auth_url": f"{config.base_url}/identity/v3",
            "application_credential_id": creds.app_cred_id,
            "application_credential_secret": creds.app_cred_secret,
        },
        "region_name": creds.region,
        "interface": "public",
        "identity_api_version": 3,
    }


def password_entry(config: EmulatorConfig) -> dict[str, Any]:
    creds = config.credentials
    return {
        "auth": {
            "auth_url": f"{config.base_url}/identity/v3",
            "username": creds.username,
            "password": creds.password,
            "project_name": creds.project_name,
            "user_domain_name": creds.domain_name,
            "project_domain_name": creds.domain_name,
        },
        "region_name": creds.region,
        "interface": "public",
        "identity_api_version": 3,
    }


def write_clouds_yaml(config: EmulatorConfig, path: Path) -> Path:
    document = {
        "clouds": {
            CLOUD_NAME: clouds_entry(config),
            f"{CLOUD_NAME}-password": password_entry(config),
            # Each further project under its application credential's name.
            **{creds.app_cred_name: clouds_entry(config, creds)
               for creds in config.other_projects},
        }
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path
