"""Where data may live: the member states of the European Union (ISO 3166-1 alpha-2).

Source: europa.eu, "EU countries" (27 member states since 2020-02-01), read 2026-11-22.
"""
from __future__ import annotations

EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})
