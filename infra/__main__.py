"""Pulumi entry point (Pulumi.yaml: main: infra/). Thin on purpose: the program lives in infra/program.py."""
from infra.program import main

main()
