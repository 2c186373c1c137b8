"""The fallback's own network: network, subnet, router to the outside, and (where the Ceph
monitors sit on a provider network) a CephFS router with a static route. They are the main
route's steps (steps/network.py, network_nodes) under the ``yarn`` prefix; the subnet keeps
its lower half out of DHCP for the VMs' fixed addresses (YarnPlan.network_plan)."""

from __future__ import annotations

NETWORK_STEP, ROUTER_STEP = "yarn.network", "yarn.router"
