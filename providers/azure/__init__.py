"""Implementations of catalogue services on the azure API family; found through registry.py."""
