"""hdhport: cloud portability toolkit for health-data platforms (specification, plan, diff, checks)."""

__version__ = "0.1.0"
