"""`make bench`: how long planning, diffing and checking take, against the floor the Pulumi SDK sets.

bench/run.py drives everything and writes bench/results.json; bench/child.py is what each fresh
subprocess runs (one measurement per process, so no import or cache carries over); bench/floor.py
registers a recorded plan's resources straight on the mock engine, without any toolkit logic.
"""
