"""Opening an authenticated openstacksdk connection the OpenStack way (clouds.yaml / OS_CLOUD)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import CloudError, ConfigError
from ..profile import OpenStackAccess
from . import throttle

# Manila: the SDK sends no microversion for shares unless told; 2.51 is what the predecessor
# used and is where cephx (2.13), access_key (2.21) and the access-rules API (2.45) all exist.
MANILA_MICROVERSION = "2.51"
#: How often one call is sent again after 429 Too Many Requests.
RATE_LIMIT_RETRIES = 6


class NoCredentials(Exception):
    """The profile's cloud has no clouds.yaml entry here: plan without observing."""


def clouds_yaml_path(access: OpenStackAccess) -> Path | None:
    if access.clouds_yaml is None:
        return None
    return Path(os.path.expandvars(access.clouds_yaml)).expanduser()


def connect(access: OpenStackAccess, *, authorize: bool = True) -> Any:
    import openstack
    from openstack import exceptions as os_exc
    from openstack.config import OpenStackConfig

    explicit = clouds_yaml_path(access)
    if explicit is not None and not explicit.is_file():
        raise NoCredentials(f"the clouds.yaml named in the profile ({explicit}) does not exist")
    loader = OpenStackConfig(config_files=[str(explicit)] if explicit else None)
    try:
        region = loader.get_one(
            cloud=access.cloud, region_name=access.region,
            shared_file_system_api_version=MANILA_MICROVERSION,
            # keystoneauth retries these answers after the cloud's Retry-After header (else
            # with backoff): 429 means the request was refused before it did anything (RFC
            # 6585 section 4), so even a POST is safe to send again. 5xx are left to the
            # step-level retry, which observes again before it acts.
            status_code_retries=RATE_LIMIT_RETRIES, retriable_status_codes=[429],
        )
    except os_exc.ConfigException as exc:
        where = str(explicit) if explicit else "clouds.yaml (OS_CLIENT_CONFIG_FILE, ./, " \
            "~/.config/openstack/, /etc/openstack/)"
        raise NoCredentials(f"no cloud named {access.cloud!r} in {where}") from exc
    connection = openstack.connection.Connection(config=region)
    throttle.install(connection)
    if authorize:
        try:
            connection.authorize()
        except os_exc.SDKException as exc:
            message = str(exc)
            if "401" in message or "Unauthorized" in message:
                raise ConfigError(
                    f"The cloud {access.cloud!r} refused the credentials in its clouds.yaml entry "
                    "(HTTP 401). Create a new application credential and update the entry."
                ) from exc
            raise CloudError(f"Could not reach the cloud {access.cloud!r}: {message}") from exc
    return connection
