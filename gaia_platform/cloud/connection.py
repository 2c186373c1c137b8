"""Opening an authenticated openstacksdk connection the OpenStack way (clouds.yaml / OS_CLOUD)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import CloudError, ConfigError
from ..profile import OpenStackAccess
from ..timeouts import request_timeout

# Manila: the SDK sends no microversion for shares unless told; 2.51 is what the predecessor
# used and is where cephx (2.13), access_key (2.21) and the access-rules API (2.45) all exist.
MANILA_MICROVERSION = "2.51"


class NoCredentials(Exception):
    """The profile's cloud has no clouds.yaml entry here: plan without observing."""


def clouds_yaml_path(access: OpenStackAccess) -> Path | None:
    if access.clouds_yaml is None:
        return None
    return Path(os.path.expandvars(access.clouds_yaml)).expanduser()


def connect(access: OpenStackAccess, *, authorize: bool = True) -> Any:
    import openstack
    from keystoneauth1 import exceptions as ks_exc
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
            # keystoneauth's per-request timeout for every service (openstacksdk config
            # option api_timeout, docs "Configuring os-client-config Applications").
            api_timeout=request_timeout(),
        )
    except os_exc.ConfigException as exc:
        where = str(explicit) if explicit else "clouds.yaml (OS_CLIENT_CONFIG_FILE, ./, " \
            "~/.config/openstack/, /etc/openstack/)"
        raise NoCredentials(f"no cloud named {access.cloud!r} in {where}") from exc
    except (ks_exc.MissingRequiredOptions, ks_exc.MissingAuthPlugin) as exc:
        raise ConfigError(
            f"The entry {access.cloud!r} in {explicit or 'clouds.yaml'} is incomplete: {exc}. "
            "Copy the entry again from the cloud's dashboard (Identity > Application "
            "Credentials > Download clouds.yaml).") from exc
    connection = openstack.connection.Connection(config=region)
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
