"""Opening an authenticated openstacksdk connection the OpenStack way (clouds.yaml / OS_CLOUD)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import CloudError, ConfigError
from ..profile import OpenStackAccess, expand_home
from ..timeouts import request_timeout

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
    return expand_home(os.path.expandvars(access.clouds_yaml), "openstack.clouds_yaml")


#: What openstacksdk reads without defining a cloud (openstack/config/loader.py,
#: _get_os_environ "selectors", openstacksdk 4.x).
_SELECTORS = {"OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE",
              "OS_CLOUD_NAME"}


def _surely_absent(access: OpenStackAccess) -> str | None:
    """Why the profile's cloud is certainly not configured here, found without importing
    openstacksdk (half a second of `platform plan` without credentials); None when only
    openstacksdk can tell.

    Mirrors openstacksdk 4.x openstack/config/loader.py: the first clouds.{yaml,yml,json}
    found in OS_CLIENT_CONFIG_FILE, ./, the user's and the site's openstack config folders,
    merged with the first secure.* file; environment variables OS_* make a cloud of their own.
    """
    if any(key.startswith("OS_") and key not in _SELECTORS
           and not key.startswith(("OS_TEST", "OS_STD", "OS_LOG")) for key in os.environ):
        return None
    import platformdirs

    dirs = platformdirs.PlatformDirs("openstack", "OpenStack", multipath=True)
    folders = [Path.cwd(), Path(dirs.user_config_dir), Path("~/.config/openstack").expanduser(),
               *(Path(p) for p in dirs.site_config_dir.split(os.pathsep)),
               Path("/etc/openstack")]

    def candidates(stem: str, override: str) -> list[Path]:
        first = [Path(os.environ[override])] if os.environ.get(override) else []
        return first + [folder / f"{stem}{suffix}" for folder in folders
                        for suffix in (".yaml", ".yml", ".json")]

    explicit = clouds_yaml_path(access)
    clouds = [explicit] if explicit else candidates("clouds", "OS_CLIENT_CONFIG_FILE")
    for files in (clouds, candidates("secure", "OS_CLIENT_SECURE_FILE")):
        found = next((f for f in files if f.is_file()), None)
        if found is None:
            continue
        try:
            import yaml

            content = yaml.safe_load(found.read_text())  # JSON is YAML too
        except (OSError, yaml.YAMLError):
            return None  # let openstacksdk report it
        if not isinstance(content, dict) or access.cloud in (content.get("clouds") or {}):
            return None
    where = str(explicit) if explicit else "clouds.yaml (OS_CLIENT_CONFIG_FILE, ./, " \
        "~/.config/openstack/, /etc/openstack/)"
    return f"no cloud named {access.cloud!r} in {where}"


def connect(access: OpenStackAccess, *, authorize: bool = True) -> Any:
    explicit = clouds_yaml_path(access)
    if explicit is not None and not explicit.is_file():
        raise NoCredentials(f"the clouds.yaml named in the profile ({explicit}) does not exist")
    absent = _surely_absent(access)
    if absent:
        raise NoCredentials(absent)
    import openstack
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as os_exc
    from openstack.config import OpenStackConfig

    from . import throttle

    loader = OpenStackConfig(config_files=[str(explicit)] if explicit else None)
    try:
        region = loader.get_one(
            cloud=access.cloud, region_name=access.region,
            shared_file_system_api_version=MANILA_MICROVERSION,
            # keystoneauth's per-request timeout for every service (openstacksdk config
            # option api_timeout, docs "Configuring os-client-config Applications").
            api_timeout=request_timeout(),
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
    except (ks_exc.MissingRequiredOptions, ks_exc.MissingAuthPlugin) as exc:
        raise ConfigError(
            f"The entry {access.cloud!r} in {explicit or 'clouds.yaml'} is incomplete: {exc}. "
            "Copy the entry again from the cloud's dashboard (Identity > Application "
            "Credentials > Download clouds.yaml).") from exc
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
