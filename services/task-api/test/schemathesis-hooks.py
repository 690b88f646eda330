"""schemathesis hooks for services/task-api/test/schemathesis.test.ts (SCHEMATHESIS_HOOKS).

A valid Idempotency-Key is made unique per request. Generated cases share a handful of keys
("0" above all) across different bodies, and task-api rightly answers a key reused for another
body with 422, so nearly every create would test only that. A real client sends a fresh key per
intent; the replay of a key is covered by task-api's own tests. Negative cases and invalid
keys are sent as generated; a key of 255 characters stays 255 long (the bound is still tried).

The records the config names for the reminder operations (ST_TASK_WITH_REMINDERS...) must
outlive the run. The stateful phase follows links from a reminder's `task_id` to
`DELETE .../tasks/{id}`, and a deleted record turned every later call on it into a 404, which
schemathesis then blamed on the create that happened to come before it (ST302). A delete of a
record goes to a fresh id instead: it answers 404, as a delete of an unknown task does.
"""

import itertools
import os
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_sequence = itertools.count()
RECORDS = {
    os.environ[name]
    for name in ("ST_TASK_WITH_REMINDERS", "ST_TASK_FOR_SERIES", "ST_SERIES")
    if name in os.environ
}


@schemathesis.hook
def before_call(context, case, kwargs):
    # A negative case is left alone: editing its headers would have schemathesis re-judge it
    # (and, say, put back the Authorization header the case is about leaving out).
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    parameters = case.path_parameters or {}
    if case.method.upper() == "DELETE" and parameters.get("id") in RECORDS:
        if case.path.endswith("/tasks/{id}"):
            parameters["id"] = str(uuid.uuid4())
    for name, value in list((case.headers or {}).items()):
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        if not VALID_KEY.fullmatch(value):
            continue
        suffix = f"~{next(_sequence)}"
        case.headers[name] = value[: 255 - len(suffix)] + suffix
