"""Kubeconfig files for the control plane's own components and the sandbox admin."""

from __future__ import annotations

from pathlib import Path

import yaml


def write(path: Path, server: str, ca: Path, cert: Path, key: Path, user: str) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "gaia-sandbox",
             "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [{"name": user, "user": {"client-certificate": str(cert),
                                          "client-key": str(key)}}],
        "contexts": [{"name": "gaia-sandbox",
                      "context": {"cluster": "gaia-sandbox", "user": user}}],
        "current-context": "gaia-sandbox",
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path
