"""The clouds.yaml entry that points openstacksdk (or the openstack CLI) at the emulator."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import yaml

from .emulator.config import Credentials, EmulatorConfig

CLOUD_NAME = "gaia-sandbox"


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


def clouds_entry(config: EmulatorConfig) -> dict[str, Any]:
    """An application-credential entry, the way a real cloud hands credentials out."""
    creds = config.credentials
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
        }
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path
