"""What nobody can know offline about the way in to a deployment, checked against the cloud:
its load-balancer service (Octavia) and the DNS name of the HTTPS address.

Octavia is needed twice over: Magnum's Cluster API driver always puts the Kubernetes API behind
an Octavia load balancer (magnum_capi_helm/driver.py, ``apiServer.enableLoadBalancer: True``,
provider from the ``octavia_provider`` label), and the web entry point's ingress controller is
a LoadBalancer Service that the cluster's cloud-provider-openstack turns into one. Whether a
cloud offers Octavia, and whether a project's users hold the roles its default policy asks for
(``load-balancer_member``: octavia/common/policies, docs "Octavia Policies"), only the cloud
can say. Whether the web host name resolves only DNS can say; before the first deploy it
cannot yet point at the load balancer, so that is reported, never refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..profile import Deployment

#: Octavia's roles that may read load balancers (octavia/common/policies/base.py).
LB_ROLES = "load-balancer_member (or load-balancer_observer to read)"


#: The provider the Cluster API driver asks Octavia for when the ``octavia_provider`` label is
#: not set (magnum_capi_helm/driver.py, ``loadBalancerProvider``).
CAPI_DEFAULT_PROVIDER = "amphora"


@dataclass(frozen=True)
class LoadBalancerNeeds:
    #: What needs an Octavia load balancer; empty: nothing does.
    needed_by: tuple[str, ...]
    #: The Octavia provider the cluster's API load balancer asks for (None: no cluster made
    #: here, or any provider does).
    provider: str | None = None


def load_balancer_needs(deployment: Deployment) -> LoadBalancerNeeds:
    profile = deployment.profile
    needed_by = []
    if profile.magnum is not None:
        needed_by.append("the cluster's Kubernetes API (Magnum's Cluster API driver always "
                         "makes its load balancer)")
    if profile.web is not None:
        needed_by.append(f"web.host {profile.web.host} (the ingress controller's "
                         "LoadBalancer Service)")
    provider = profile.magnum.labels.get("octavia_provider", CAPI_DEFAULT_PROVIDER) \
        if profile.magnum is not None else None
    return LoadBalancerNeeds(tuple(needed_by), provider)


def describe(needs: LoadBalancerNeeds | None) -> str:
    """What preflight checks here, for plan without credentials."""
    return "load-balancer service (Octavia)" if needs and needs.needed_by else ""


def octavia_problems(conn: Any, needs: LoadBalancerNeeds | None) -> list[str]:
    """Octavia in the catalogue and answering this project's credentials."""
    from openstack import exceptions

    if needs is None or not needs.needed_by:
        return []
    why = " and ".join(needs.needed_by)
    if not conn.endpoint_for("load-balancer"):
        return [f"load balancer: the cloud's catalogue has no load-balancer (Octavia) service, "
                f"needed by {why}; ask the cloud's operators whether Octavia is offered to "
                "this project"]
    try:
        next(iter(conn.load_balancer.load_balancers(limit=1)), None)
        providers = [p.name for p in conn.load_balancer.providers()]
    except exceptions.ForbiddenException:
        return [f"load balancer: Octavia refuses this project's credentials (needed by {why}); "
                f"ask the cloud's operators for the role {LB_ROLES} on the project, then make "
                "the application credential again (it carries the roles it was made with)"]
    except exceptions.HttpException as exc:
        return [f"load balancer: Octavia answered {exc.status_code} when listing load "
                f"balancers (needed by {why}): {exc.details or exc.message}"]
    if needs.provider and needs.provider not in providers:
        # The driver passes the provider on to Cluster API's OpenStack provider, whose load
        # balancer create then fails and the cluster never leaves CREATE_IN_PROGRESS.
        return [f"cluster.labels.octavia_provider: Octavia here offers the provider(s) "
                f"{', '.join(providers) or 'none'}, not {needs.provider!r}, which the cluster's "
                "API load balancer would ask for; set the label to one of them"]
    return []


Resolver = Callable[[str], list[str]]


def system_resolve(host: str) -> list[str]:
    """The addresses this machine's resolver gives for ``host`` (raises socket.gaierror)."""
    answers = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    return sorted({str(answer[4][0]) for answer in answers})


def lookup(host: str, resolve: Resolver = system_resolve) -> list[str] | None:
    """The addresses ``host`` resolves to here, None when it does not resolve."""
    try:
        return resolve(host)
    except (OSError, UnicodeError):
        return None


def dns_note(host: str, acme: bool, resolve: Resolver = system_resolve) -> str:
    """What the web host's name resolves to, and what to set when that will not work."""
    record = (f"create a DNS A record {host} -> the ingress load balancer's address, which "
              "deploy prints once Octavia has made it")
    try:
        addresses = resolve(host)
    except (OSError, UnicodeError) as exc:
        cert = ("; Let's Encrypt cannot issue its certificate before that (its HTTP-01 check "
                f"fetches http://{host}/.well-known/acme-challenge/ over the internet)"
                if acme else "")
        return (f"web.host {host} does not resolve from here ({exc}): {record}; until it does, "
                f"https://{host}/ cannot be opened{cert}")
    private = [a for a in addresses if not ipaddress.ip_address(a).is_global]
    if acme and private:
        return (f"web.host {host} resolves to {', '.join(addresses)}, not a public address: "
                "Let's Encrypt checks HTTP-01 from the internet, so the certificate will not "
                f"be issued; {record} (its floating IP), or set web.tls.secret to a "
                "certificate of your own")
    return (f"web.host {host} resolves to {', '.join(addresses)}: that must be the ingress "
            "load balancer's address, which deploy prints at the end")
