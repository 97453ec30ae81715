"""Schemathesis against the app's own OpenAPI document, in process (RELIABILITY C3).

Every check and every phase (examples, coverage, fuzzing, stateful) on a seeded SQLite
database with an editor key: whatever the generated requests are, the answers must
match the document (status codes, content types, schemas, problem+json, auth, links).
The seed and the number of examples are fixed, so that a run is repeatable and fits in
a couple of minutes; ``make fuzz`` runs the same test longer with a random seed
(CONTESTED_TEST_FUZZ_SEED and CONTESTED_TEST_FUZZ_EXAMPLES override both).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import schemathesis
from schemathesis.engine import from_schema
from schemathesis.engine.events import EngineFinished, FatalError, NonFatalError, ScenarioFinished

from app.config import Settings
from app.db import open_database
from app.main import create_app
from app.models.api_key import Role
from app.services import migrations
from app.services.keys import create_key
from app.services.seeding import seed
from tests.conftest import SEEDS

SEED = int(os.environ.get("CONTESTED_TEST_FUZZ_SEED") or 20261125)
MAX_EXAMPLES = int(os.environ.get("CONTESTED_TEST_FUZZ_EXAMPLES") or 6)
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
# Schema-valid requests this API refuses by design, each documented on the operation:
# 400 an opaque cursor it did not mint, 410 a row deleted earlier in the run, 412 an
# If-Match naming another version, 422 a slug or id that names nothing (or an
# Idempotency-Key reused with another body), 428 never (If-Match is optional here).
# The import's body is NDJSON, lines of text: schemathesis sends the generated strings as
# they are, as it does for text/plain.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
ACCEPTABLE_REFUSALS = ["2xx", 400, 401, 403, 404, 409, 410, 412, 422, 428]


def test_the_api_keeps_its_openapi_contract(tmp_path: Path) -> None:
    print(f"schemathesis seed {SEED}, {MAX_EXAMPLES} examples per operation and phase")
    url = f"sqlite:///{tmp_path / 'schemathesis.db'}"
    migrations.upgrade(url)
    settings = Settings(database_url=url, rate_limit_enabled=False)
    database = open_database(settings)
    with database.unit_of_work() as session:
        seed(session, SEEDS)
        key = create_key(session, "schemathesis", Role.editor).key
    app = create_app(settings, database)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {key}"},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "mode": "all",  # valid and invalid data
                "database": "none",  # no examples carried over from earlier runs
            },
            "cache": {"enabled": False},
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {"expected-statuses": ACCEPTABLE_REFUSALS},
            },
            "phases": {phase: {"enabled": True} for phase in PHASES},
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    failures: dict[str, list[str]] = defaultdict(list)
    scenarios = 0
    finished = None
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, ScenarioFinished):
                scenarios += 1
                for case_id, checks in event.recorder.checks.items():
                    for check in checks:
                        if check.failure_info is None:
                            continue
                        interaction = event.recorder.interactions.get(case_id)
                        status = (
                            interaction.response.status_code
                            if interaction and interaction.response
                            else None
                        )
                        failure = check.failure_info.failure
                        failures[f"{event.recorder.label}: {check.name} ({failure.title})"].append(
                            f"  got {status}: {failure.message[:400]}\n"
                            f"  {check.failure_info.code_sample[:600]}"
                        )
            elif isinstance(event, NonFatalError):
                failures[f"{event.label}: error"].append(f"  {event.info.message[:600]}")
            elif isinstance(event, FatalError):
                failures["schemathesis: fatal error"].append(f"  {event.exception!r}"[:600])
            elif isinstance(event, EngineFinished):
                finished = event
                for failure in event.failures:
                    failures["after the run"].append(f"  {failure.title}: {failure.message[:400]}")
    finally:
        database.dispose()

    assert finished is not None, "schemathesis did not finish"
    report = "\n".join(f"{name}\n{cases[0]}" for name, cases in sorted(failures.items()))
    assert not failures, f"seed {SEED}: {len(failures)} kinds of failure\n{report}"
    assert scenarios > 100, f"only {scenarios} scenarios ran"
