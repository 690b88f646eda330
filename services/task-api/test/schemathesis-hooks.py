"""schemathesis hooks for services/task-api/test/schemathesis.test.ts (SCHEMATHESIS_HOOKS).

A valid Idempotency-Key is made unique per request. Generated cases share a handful of keys
("0" above all) across different bodies, and task-api rightly answers a key reused for another
body with 422, so nearly every create would test only that. A real client sends a fresh key per
intent; the replay of a key is covered by task-api's own tests. Negative cases and invalid
keys are sent as generated; a key of 255 characters stays 255 long (the bound is still tried).
"""

import itertools
import re

import schemathesis

VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_sequence = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    # A negative case is left alone: editing its headers would have schemathesis re-judge it
    # (and, say, put back the Authorization header the case is about leaving out).
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    for name, value in list((case.headers or {}).items()):
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        if not VALID_KEY.fullmatch(value):
            continue
        suffix = f"~{next(_sequence)}"
        case.headers[name] = value[: 255 - len(suffix)] + suffix
