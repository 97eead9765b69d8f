"""Data-source look-ups made once per run, whichever family asks.

A look-up with the same arguments (who the credentials are, a boot image, an endpoint) gets the same
answer within one `pulumi up` or plan, however many services and research-project enclaves ask: a
500-project platform would otherwise ask Keystone, Glance or Azure Resource Manager the same thing
thousands of times. Answers are kept per run, keyed by the program's root stack resource (weakly:
they go with the run). Look-ups are made through the default provider, which is the only one the
platform uses; a look-up scoped to another provider must not go through here.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi

_ANSWERS: weakref.WeakKeyDictionary[pulumi.Resource, dict[tuple[object, ...], Any]] = weakref.WeakKeyDictionary()
_T = TypeVar("_T")


def once(key: tuple[object, ...], lookup: Callable[[], _T]) -> _T:
    """`lookup()`'s answer, asked the first time `key` is seen in this run and reused afterwards."""
    from pulumi.runtime.settings import get_root_resource

    root = get_root_resource()
    if root is None:  # outside a running program: nothing to share with
        return lookup()
    answers = _ANSWERS.setdefault(root, {})
    if key not in answers:
        answers[key] = lookup()
    return answers[key]  # type: ignore[no-any-return]
