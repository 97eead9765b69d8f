"""Implementations of catalogue services on the selfhosted API family; found through registry.py."""
