"""schemathesis against the served OpenAPI document, as each of the three roles.

The station runs under waitress; each role logs in through its form and sends the cookie
and the CSRF header with every generated request. The checks: no 5xx, and every answer
whose status the document declares matches its schema. The budget is bounded (a few
thousand requests in all) so the suite stays quick. The fuzzer reaches only the JSON API,
which deletes nothing: a saved program and object are still there afterwards.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import log_in

# generated requests per operation: the group's routes take bodies, so most go there; the
# two other roles mostly check that they are refused (about 2,000 requests, ~2 min in all)
EXAMPLES = {"group": 200, "teacher": 20, "facilitator": 20}
PROGRAM_EXAMPLES = 60  # each generated program costs ~0.2 s to draw
# why positive only: schemathesis takes minutes to mutate the recursive program model
# (tests/api/test_boundary.py sends the malformed programs that matter, one by one)
PROGRAM_ROUTES = {"POST /api/v1/group/programs", "POST /api/v1/group/challenges/{challenge_id}"}
ROLES = ("group", "teacher", "facilitator")


@pytest.fixture(params=ROLES)
def role(request) -> str:
    return request.param


@pytest.fixture
def tablet(live_server, open_class, role):
    """The role's logged-in HTTP client, after a group saved a program and an object."""
    pupil = log_in(live_server, "group", open_class)
    program = {"version": 1, "main": [{"block": "move", "direction": "forward",
                                       "distance_cm": 30}]}
    assert pupil.post("/api/v1/group/programs", json={"program": program}).status_code == 201
    cube = {"version": 1, "root": {"block": "box", "size": [20, 20, 10]}}
    assert pupil.post("/api/v1/group/object/preview", json={"object": cube}).status_code == 200
    client = pupil if role == "group" else log_in(live_server, role, open_class)
    yield client
    # nothing the fuzzer could send took away what the group had saved
    assert pupil.get("/api/v1/group/programs/1").json()["program"] == {**program, "events": []}
    assert pupil.get("/api/v1/group/object/versions/1").json()["object"] == cube
    assert pupil.get("/api/v1/me").json()["role"] == "group"


def test_no_input_gives_a_server_error(live_server, tablet, role):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    auth = {"headers": {"X-CSRFToken": tablet.headers["X-CSRFToken"]},
            "cookies": dict(tablet.cookies)}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19, [op.label for op in operations]

    seen: list[int] = []
    start = time.monotonic()
    for operation in operations:
        cases = operation.as_strategy(GenerationMode.POSITIVE)
        if operation.label not in PROGRAM_ROUTES:
            cases = st.one_of(cases, operation.as_strategy(GenerationMode.NEGATIVE))
        budget = EXAMPLES[role]
        if operation.label in PROGRAM_ROUTES:
            budget = min(budget, PROGRAM_EXAMPLES)

        @given(case=cases)
        @settings(max_examples=budget, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:  # noqa: ANN001
            response = case.call_and_validate(
                base_url=live_server.url, **auth,
                checks=[not_a_server_error, response_schema_conformance])
            seen.append(response.status_code)

        fuzz()
    print(f"\n{role}: {len(seen)} requests in {time.monotonic() - start:.0f} s, "  # noqa: T201
          f"statuses {dict(sorted(Counter(seen).items()))}")
