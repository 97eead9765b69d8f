"""Passwords the program draws itself where a service needs one and no stack gives it.

Drawn once per program run from the operating system's CSPRNG and handed on as a Pulumi secret: the caller keeps
the first one (a write-only input with a version, or `ignore_changes`), so a rerun never rotates it.
"""
from __future__ import annotations

import secrets

import pulumi


def drawn_password() -> pulumi.Output[str]:
    """43 URL-safe random characters (256 bits) after `Hdh-1`, so the rules of every service that checks complexity
    (upper and lower case, a digit, a symbol, 8 to 123 characters: Azure, Scaleway Managed Database) hold."""
    return pulumi.Output.secret("Hdh-1" + secrets.token_urlsafe(32))
