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
record goes to a fresh id instead: it answers 404, as a delete of an unknown task does. The
same holds for the channels the config names.

A user holds at most 20 channels, and the coverage phase repeats the same address hundreds of
times: nearly every create would test only the 409s. A valid create therefore gets an address
of its own (as a real client adds a new address, not the same one again), and outside the
stateful phase (whose sequences go on to use it) the channel it made is removed again at once,
so the user never runs out of room.
"""

import itertools
import os
import re
import urllib.request
import uuid

import schemathesis

VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_sequence = itertools.count()
RECORDS = {
    os.environ[name]
    for name in (
        "ST_TASK_WITH_REMINDERS",
        "ST_TASK_FOR_SERIES",
        "ST_SERIES",
        "ST_EMAIL_CHANNEL",
        "ST_WEBHOOK_CHANNEL",
    )
    if name in os.environ
}
UNIQUE_PREFIX = re.compile(r"^(?:n[0-9]+\.)+")


def _unique_address(body, suffix):
    """The same kind of address, one no earlier case used; None when it cannot grow."""
    address = body.get("address")
    if not isinstance(address, str):
        return None
    if body.get("kind") == "email" and "@" in address:
        local, domain = address.rsplit("@", 1)
        local = UNIQUE_PREFIX.sub("", local)
        if local[:1] in ('"', ".") or len(local) + len(suffix) + 1 > 64:
            return None
        unique = f"{suffix}.{local}@{domain}"
        return unique if len(unique) <= 254 else None
    if body.get("kind") == "webhook" and len(address) < 2000:
        return f"{address.split('#', 1)[0]}#{suffix}"
    return None


def _phase(case):
    phase = getattr(getattr(case, "meta", None), "phase", None)
    return str(getattr(phase, "name", phase) or "").lower()


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
    if case.method.upper() == "DELETE" and parameters.get("channel_id") in RECORDS:
        parameters["channel_id"] = str(uuid.uuid4())
    if case.method.upper() == "POST" and case.path.endswith("/{user_id}/channels"):
        if isinstance(case.body, dict):
            address = _unique_address(case.body, f"n{next(_sequence)}")
            if address is not None:
                case.body["address"] = address
    for name, value in list((case.headers or {}).items()):
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        if not VALID_KEY.fullmatch(value):
            continue
        suffix = f"~{next(_sequence)}"
        case.headers[name] = value[: 255 - len(suffix)] + suffix


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() != "POST" or not case.path.endswith("/{user_id}/channels"):
        return
    location = response.headers.get("location") or response.headers.get("Location")
    if isinstance(location, list):
        location = location[0] if location else None
    if response.status_code != 201 or not location or "stateful" in _phase(case):
        return
    base = response.request.url.split("/api/", 1)[0]
    token = (case.headers or {}).get("Authorization", "")
    request = urllib.request.Request(
        f"{base}{location}", method="DELETE", headers={"Authorization": token}
    )
    urllib.request.urlopen(request, timeout=10).close()
