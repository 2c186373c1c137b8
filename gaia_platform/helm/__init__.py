"""Helm: finding (or fetching) the helm binary and computing the charts' values."""
