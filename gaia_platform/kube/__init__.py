"""Adapters to the deployment's Kubernetes cluster."""
