"""Clients generated from /openapi.json, used as a newsroom would (docs/clients.md).

Python: openapi-python-client (pinned in the dev extra) generates a package, which then
drives a journalist's session against a live uvicorn server. TypeScript: openapi-typescript
(pinned in clients/typescript/package-lock.json) generates types that a small program
must satisfy under ``tsc --strict``. A generator warning fails the test.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib
import inspect
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT
from tests.live import live_server

PACKAGE = "contested_client"
BIN = Path(sys.executable).parent
TYPESCRIPT = ROOT / "clients" / "typescript"


@pytest.fixture(scope="module")
def openapi_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document as the app serves it at /openapi.json."""
    app = create_app(Settings(database_url="sqlite:///unused.db"))
    with TestClient(app) as http:
        response = http.get("/openapi.json")
    assert response.status_code == 200
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="module")
def generated(openapi_file: Path) -> tuple[Path, str]:
    """The generated package's folder and everything the generator printed."""
    folder = openapi_file.parent / "python"
    folder.mkdir()
    command = [str(BIN / "openapi-python-client"), "generate", "--path", str(openapi_file)]
    command += ["--output-path", str(folder / PACKAGE), "--meta", "none"]
    command += ["--config", str(ROOT / "clients" / "python" / "config.yaml")]
    # Its post-generation hooks run ruff, which lives next to the interpreter.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return folder / PACKAGE, output


@pytest.fixture(scope="module")
def api(generated: tuple[Path, str]) -> Iterator[ModuleType]:
    package, _ = generated
    sys.path.insert(0, str(package.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(package.parent))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def load(name: str) -> Any:
    """``load("models.claim_create")`` from the generated package."""
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with live_server(database_url, workers=1) as base_url:
        yield base_url


# ---- Python -------------------------------------------------------------------------------


def test_the_python_generator_prints_no_warning(generated):
    _, output = generated
    assert "warning" not in output.lower(), output
    assert "error" not in output.lower(), output


def test_python_modules_and_classes_read_naturally(api, generated):
    package, _ = generated
    models = {path.stem for path in (package / "models").glob("*.py")}
    for module, cls in [
        ("claim_create", "ClaimCreate"),
        ("claim_dossier", "ClaimDossier"),
        ("claim_page", "ClaimPage"),
        ("response_create", "ResponseCreate"),
        ("evidence_create", "EvidenceCreate"),
        ("problem", "Problem"),
        ("problem_item", "ProblemItem"),
        ("rating", "Rating"),
        ("json_object", "JsonObject"),
    ]:
        assert module in models
        assert hasattr(load(f"models.{module}"), cls), cls
    # No class invented from a field name for an inline type.
    assert not [m for m in models if "_type_" in m or m.startswith(("body_", "page_"))]

    rating = load("models.rating").Rating
    assert issubclass(rating, Enum) and rating.SUBSTANTIATED.value == "substantiated"
    # Each model names the shared enum, not a copy of its own.
    assert load("models.claim_summary").Rating is rating
    assert load("models.verdict_put").Rating is rating
    sort = load("models.claim_sort").ClaimSort
    assert sort.STATED_ON_DESC.value == "-stated_on"

    operations = {p.relative_to(package / "api").as_posix() for p in package.glob("api/*/*.py")}
    assert {
        "claims/list_claims.py",
        "claims/create_claim.py",
        "claims/get_claim.py",
        "responses/create_response.py",
        "evidence/create_evidence.py",
        "verdicts/set_verdict.py",
    } <= operations

    unset, problem = load("types").Unset, load("models").Problem
    list_claims = inspect.signature(load("api.claims.list_claims").sync).parameters
    assert list_claims["cursor"].annotation == str | unset  # not None | str | Unset
    assert list_claims["verdict"].annotation == rating | unset
    create_claim = inspect.signature(load("api.claims.create_claim").sync)
    assert create_claim.parameters["idempotency_key"].annotation == str | unset
    dossier = load("models").ClaimDossier
    assert create_claim.return_annotation == dossier | problem | None
    assert "One plain sentence." in (load("models.claim_create").ClaimCreate.__doc__ or "")


def test_a_journalists_session_through_the_python_client(api, server, keys):
    m = load("models")
    create_actor = load("api.actors.create_actor")
    list_claims = load("api.claims.list_claims")
    create_claim = load("api.claims.create_claim")
    get_claim = load("api.claims.get_claim")
    create_response = load("api.responses.create_response")
    create_evidence = load("api.evidence.create_evidence")
    unset = load("types").UNSET

    journalist = api.AuthenticatedClient(base_url=server, token=keys["contributor"])
    anonymous = api.Client(base_url=server)

    for slug, name, kind in [
        ("fsb", "Federal Security Service", m.ActorKind.STATE_AGENCY),
        ("ktj", "Katibat Tawhid wal-Jihad", m.ActorKind.ARMED_GROUP),
    ]:
        actor = create_actor.sync(client=journalist, body=m.ActorCreate(slug, name, kind))
        assert isinstance(actor, m.ActorPublic) and actor.slug == slug

    empty = list_claims.sync(client=anonymous)  # reads are public
    assert isinstance(empty, m.ClaimPage)
    assert empty.items == [] and empty.next_cursor is None

    body = m.ClaimCreate(
        proposition="A KTJ cell coordinated from Syria planned attacks in Volgograd.",
        claimant="fsb",
        accused=["ktj"],
        stated_on=dt.date(2020, 10, 15),
        stated_on_precision=m.Precision.DAY,
        tags=["volgograd"],
        sources=[
            m.CitationInput(
                title="FSB statement on the Volgograd cell",
                publisher="fsb",
                kind=m.SourceKind.OFFICIAL_STATEMENT,
                published_on=dt.date(2020, 10, 15),
                locator="paragraph 1",
            )
        ],
    )
    first = create_claim.sync_detailed(client=journalist, body=body, idempotency_key="claim-1")
    assert first.status_code == 201
    claim = first.parsed
    assert isinstance(claim, m.ClaimDossier)
    assert claim.claimant.slug == "fsb" and [a.slug for a in claim.accused] == ["ktj"]
    assert claim.sources[0].source.kind is m.SourceKind.OFFICIAL_STATEMENT
    assert claim.verdict.rating is m.Rating.UNASSESSED
    assert claim.dispute.status is m.DisputeStatus.UNANSWERED

    retry = create_claim.sync_detailed(client=journalist, body=body, idempotency_key="claim-1")
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.parsed.id == claim.id

    denial = create_response.sync(
        claim.id,
        client=journalist,
        body=m.ResponseCreate(
            responder="ktj",
            stance=m.Stance.DENIES,
            stated_on=dt.date(2020, 10, 16),
            quote="We have nothing to do with it.",
            quote_language="en",
        ),
    )
    assert isinstance(denial, m.ResponsePublic) and denial.stance is m.Stance.DENIES
    evidence = create_evidence.sync(
        claim.id,
        client=journalist,
        body=m.EvidenceCreate(
            summary="Photographs of seized explosives released by the FSB.",
            kind=m.EvidenceKind.PHOTO,
            bearing=m.Bearing.SUPPORTS,
            produced_by="fsb",
            reliability=m.Reliability.B,
            credibility=2,
        ),
    )
    assert isinstance(evidence, m.EvidencePublic)

    dossier = get_claim.sync(claim.id, client=anonymous)
    assert isinstance(dossier, m.ClaimDossier)
    assert dossier.version == claim.version
    assert [(r.id, r.by_accused, r.in_reply_to) for r in dossier.responses] == [
        (denial.id, True, None)
    ]
    assert dossier.dispute.status is m.DisputeStatus.DENIED
    assert dossier.dispute.first_response_on == dt.date(2020, 10, 16)
    assert dossier.dispute.response_lag_days == 1
    assert [e.id for e in dossier.evidence.supports] == [evidence.id]
    assert dossier.evidence.refutes == [] and dossier.evidence.context == []
    # B and 2, not independent: 0.8 x 0.8 x 0.5.
    assert dossier.balance.contributions[0].weight == pytest.approx(0.32)
    assert dossier.balance.support == pytest.approx(0.32)

    # Errors come back as Problem: an unknown actor names close matches ...
    typo = create_claim.sync_detailed(
        client=journalist, body=m.ClaimCreate(proposition="A typo.", claimant="fbs")
    )
    assert typo.status_code == 422 and isinstance(typo.parsed, m.Problem)
    assert typo.parsed.status == 422
    assert [(e.pointer, e.suggestions) for e in typo.parsed.errors] == [("/claimant", ["fsb"])]
    # ... and a write without a valid key is a 401 problem that changes nothing.
    stranger = api.AuthenticatedClient(base_url=server, token="not-a-key")
    refused = create_claim.sync_detailed(client=stranger, body=body)
    assert refused.status_code == 401 and isinstance(refused.parsed, m.Problem)

    for n in range(4):
        made = create_claim.sync(
            client=journalist,
            body=m.ClaimCreate(proposition=f"Claim {n}.", claimant="fsb", accused=["ktj"]),
        )
        assert isinstance(made, m.ClaimDossier)
    seen, pages, cursor = [], 0, unset
    while True:
        page = list_claims.sync(client=anonymous, limit=2, cursor=cursor, accused="ktj")
        assert isinstance(page, m.ClaimPage) and len(page.items) <= 2
        seen += [item.id for item in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and len(seen) == len(set(seen)) == 5
    assert claim.id in seen


# ---- TypeScript ---------------------------------------------------------------------------

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are not installed: the TypeScript client is not checked",
)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """``npm ci`` from the lock file, once; reused while the lock file is unchanged."""
    lock = TYPESCRIPT / "package-lock.json"
    stamp = TYPESCRIPT / "node_modules" / ".installed-from-lock"
    with (TYPESCRIPT / ".npm-ci.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # two test runs in one tree install once
        if not stamp.exists() or stamp.read_bytes() != lock.read_bytes():
            command = ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
            result = subprocess.run(
                command, cwd=TYPESCRIPT, capture_output=True, text=True, timeout=300
            )
            assert result.returncode == 0, result.stdout + result.stderr
            stamp.write_bytes(lock.read_bytes())
    return TYPESCRIPT / "node_modules"


@needs_node
def test_typescript_types_generate_cleanly_and_type_check(openapi_file, node_modules, tmp_path):
    # The flags of `npm run generate`, so that the test checks what docs/clients.md says.
    script = json.loads((TYPESCRIPT / "package.json").read_text())["scripts"]["generate"]
    command = shlex.split(script)
    command[0] = str(node_modules / ".bin" / command[0])
    command[command.index("--output") + 1] = str(tmp_path / "contested.d.ts")
    result = subprocess.run(
        [*command, str(openapi_file)], capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warn" not in output.lower() and "error" not in output.lower(), output
    types = (tmp_path / "contested.d.ts").read_text()
    for name in ("ClaimCreate", "ClaimDossier", "ResponseCreate", "Problem", "Rating"):
        assert f"export type {name} = components['schemas']['{name}'];" in types, name
    # Enums are named schemas that the models refer to, not string unions copied into each.
    assert 'rating: components["schemas"]["Rating"];' in types

    for name in ("session.ts", "tsconfig.json"):
        shutil.copy(TYPESCRIPT / name, tmp_path / name)
    tsc = [str(node_modules / ".bin" / "tsc"), "--noEmit", "--strict", "-p", str(tmp_path)]
    result = subprocess.run(tsc, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
