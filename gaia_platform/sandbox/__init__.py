"""The local sandbox: an OpenStack emulator and a real Kubernetes control plane.

Nothing in the product's core imports this package; the product reaches the sandbox over
HTTP, exactly as it reaches a real cloud.
"""
