"""Reversibility: migration runbooks between two profiles, and verified moves of the data itself.

`runbook` and `methods` are pure data (what to move, how, in which order, how long, and where no
method exists); `objects`, `database` and `queues` move real data through rclone, pg_dump/pg_restore
and AMQP 1.0, each proving what arrived.
"""
