"""The Pulumi program: one platform, the same on every API family (see __main__.py)."""
