"""Mitra: sovereign, federated nodes for a bilateral security partnership."""

__version__ = "0.1.0"
