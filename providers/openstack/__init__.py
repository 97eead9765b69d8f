"""Implementations of catalogue services on the openstack API family; found through registry.py."""
