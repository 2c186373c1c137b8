"""Thin adapters to the OpenStack services, one module per service."""
