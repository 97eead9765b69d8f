"""Procurement: compare bidders' profiles with the specification, score them with explanations, report.

`hdhport diff` (diff.py, scores.py, render.py) and `hdhport bid template` (bid.py); never imports a
cloud SDK, so it runs in well under a second on every shipped profile.
"""
