"""Create the SQLite file the claim-list benchmark reads: N claims (default 10,000).

The schema comes from the project's own migrations; the rows are then inserted with
plain sqlite3 executemany (bench data, not a write path under test): ~2,000 actors named
in Latin, Cyrillic and Arabic script, a few hundred events, and N claims, each with a
claimant, 1-3 accused, 0-3 tags and a verdict row; the stats counts are then rebuilt.
The random generator is seeded, so the same N gives the same data. The file is then
checked by asking the real app for ``GET /v1/claims?limit=50``.

    .venv/bin/python bench/make_data.py [--claims 10000] [--out bench/data/claims-10k.db]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.models.common import new_id  # noqa: E402

ACTORS, EVENTS = 2000, 300
# fmt: off
LATIN = [
    "Federal Security Service", "Ministry of Interior", "Ministry of Defence", "National Guard",
    "Prosecutor General", "Investigative Committee", "Liberation Front", "Islamic Brigade",
    "People's Army", "Resistance Council", "News Agency", "Human Rights Watch Group",
    "Supreme Court", "Border Service", "Police Department", "Jamaat", "Battalion", "Army of Islam",
]
PLACES = [
    "Volgograd", "Dagestan", "Chechnya", "Idlib", "Aleppo", "Raqqa", "Mosul", "Kabul",
    "Tashkent", "Bishkek", "Dushanbe", "Moscow", "Kazan", "Ufa", "Homs", "Deir ez-Zor",
]
CYRILLIC = [
    "Федеральная служба безопасности", "Министерство внутренних дел", "Следственный комитет",
    "Генеральная прокуратура", "Национальная гвардия", "Пограничная служба", "Джамаат",
    "Батальон", "Фронт освобождения", "Информационное агентство", "Верховный суд",
]
CYRILLIC_PLACES = ["Волгограда", "Дагестана", "Чечни", "Москвы", "Казани", "Уфы", "Сирии"]
ARABIC = [
    "هيئة تحرير الشام", "كتيبة التوحيد والجهاد", "جبهة النصرة", "وزارة الداخلية",
    "جيش الإسلام", "المجلس العسكري", "وكالة الأنباء", "المحكمة العليا", "لواء الحق",
]
ARABIC_PLACES = ["إدلب", "حلب", "الرقة", "الموصل", "حمص", "دير الزور", "دمشق"]
KINDS = ["state_agency", "government", "armed_group", "media_outlet", "ngo", "court", "person"]
EVENT_KINDS = ["attack", "plot", "arrest", "trial", "operation", "protest", "campaign", "other"]
VERBS = [
    "planned terrorist acts in", "financed fighters travelling to", "recruited students in",
    "smuggled weapons through", "coordinated attacks from", "shelled residential areas of",
    "detained journalists in", "tortured detainees in", "staged a provocation in",
    "ran a propaganda campaign targeting", "killed civilians during an operation in",
]
DETAILS = [
    "", " in the autumn of the same year", " with the help of foreign intelligence services",
    ", according to intercepted messages", " using money transfers disguised as charity",
    ", acting on orders from its leadership abroad", " through a network of sleeper cells",
    ", a claim based on the confession of a detained member",
]
TAGS = [
    "terrorism", "financing", "recruitment", "weapons", "propaganda", "torture", "detention",
    "civilians", "shelling", "central-asia", "north-caucasus", "syria", "iraq", "afghanistan",
    "telegram", "confession", "extremism", "border", "drones", "kidnapping", "cyber", "trial",
]
# fmt: on
RATINGS = ["unassessed"] * 6 + ["unverified", "disputed", "substantiated", "refuted", "misleading"]
STATUSES = ["unanswered"] * 4 + ["denied"] * 3 + ["admitted", "mixed"]
ROW = "id, version, created_at, updated_at, "
COLUMNS = {
    "actor": ROW + "slug, name, kind, country, description",
    "actor_alias": "actor_id, alias, folded, position",
    "event": ROW + "slug, title, kind, occurred_on, occurred_on_precision, place, country, summary",
    "claim": ROW + "proposition, claimant_id, event_id, stated_on, stated_on_precision, sort_date, "
    "quote, quote_language, translation, dispute_status, first_response_on, response_lag_days, "
    "support, refute, balance",
    "claim_accused": "claim_id, actor_id, position",
    "claim_tag": "claim_id, tag",
    "verdict": ROW + "claim_id, rating",
}


def stamp(moment: datetime) -> str:
    """How SQLAlchemy's DateTime stores a timestamp on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def actor_rows(rnd: random.Random, now: datetime) -> tuple[list[tuple], list[tuple]]:
    actors, aliases = [], []
    for i in range(ACTORS):
        latin = f"{rnd.choice(LATIN)} of {rnd.choice(PLACES)}"
        cyrillic = f"{rnd.choice(CYRILLIC)} {rnd.choice(CYRILLIC_PLACES)}"
        arabic = f"{rnd.choice(ARABIC)} في {rnd.choice(ARABIC_PLACES)}"
        name = rnd.choices([latin, cyrillic, arabic], weights=[6, 2, 2])[0]
        actor_id, created = new_id().hex, stamp(now - timedelta(days=400, seconds=-i))
        country = rnd.choice(["RU", "SY", "IQ", "UZ", "KG", "TJ", "AF", None])
        description = f"{latin}, also known as {cyrillic} and {arabic}."
        # fmt: off
        actors.append((actor_id, 1, created, created, f"actor-{i:04d}", name, rnd.choice(KINDS),
                       country, description))
        # fmt: on
        others = [alias for alias in (latin, cyrillic, arabic) if alias != name]
        aliases += [(actor_id, a, a.casefold(), pos) for pos, a in enumerate(others)]
    return actors, aliases


def event_rows(rnd: random.Random, now: datetime) -> list[tuple]:
    events = []
    for i in range(EVENTS):
        place, kind = rnd.choice(PLACES), rnd.choice(EVENT_KINDS)
        on = date(2010, 1, 1) + timedelta(days=rnd.randrange(5800))
        created = stamp(now - timedelta(days=300, seconds=-i))
        title = f"{kind.capitalize()} in {place}, {on:%B %Y}"
        summary = f"Incident in {place} reported on {on.isoformat()}."
        # fmt: off
        events.append((new_id().hex, 1, created, created, f"event-{i:03d}", title, kind,
                       on.isoformat(), "day", place, None, summary))
        # fmt: on
    return events


def claim_rows(rnd: random.Random, n: int, now: datetime, actors: list, events: list) -> dict:
    """Rows for claim, claim_accused, claim_tag and verdict, keyed by table."""
    out: dict[str, list[tuple]] = {"claim": [], "claim_accused": [], "claim_tag": [], "verdict": []}
    for i in range(n):
        claim_id = new_id().hex
        claimant, *accused = rnd.sample(actors, 1 + rnd.randint(1, 3))
        stated = None if rnd.random() < 0.05 else date(2010, 1, 1) + timedelta(rnd.randrange(5800))
        precision = None if stated is None else rnd.choices(["day", "month", "year"], [8, 2, 1])[0]
        if precision == "month":
            stated = stated.replace(day=1)
        elif precision == "year":
            stated = stated.replace(month=1, day=1)
        what = f"{rnd.choice(VERBS)} {rnd.choice(PLACES)}{rnd.choice(DETAILS)}{rnd.choice(DETAILS)}"
        proposition = f"{accused[0][5]} {what}."
        support, refute = round(rnd.uniform(0, 2), 2), round(rnd.uniform(0, 2), 2)
        balance = round((support - refute) / (support + refute + 1), 4)
        status = rnd.choice(STATUSES)
        first = None
        if status != "unanswered" and stated is not None:
            first = stated + timedelta(days=rnd.randrange(30))
        created = now - timedelta(days=200, seconds=-17 * i, microseconds=rnd.randrange(10**6))
        updated = created + timedelta(days=rnd.randrange(60), microseconds=rnd.randrange(10**6))
        quote = f"«{proposition}»" if rnd.random() < 0.5 else None
        event_id = rnd.choice(events)[0] if rnd.random() < 0.8 else None
        # fmt: off
        out["claim"].append((
            claim_id, 1 + rnd.randrange(3), stamp(created), stamp(updated), proposition,
            claimant[0], event_id, stated and stated.isoformat(), precision,
            (stated or date(1, 1, 1)).isoformat(), quote, quote and rnd.choice(["en", "ru", "ar"]),
            None, status, first and first.isoformat(), first and (first - stated).days,
            support, refute, balance,
        ))
        # fmt: on
        out["claim_accused"] += [(claim_id, a[0], pos) for pos, a in enumerate(accused)]
        out["claim_tag"] += [(claim_id, tag) for tag in rnd.sample(TAGS, rnd.randint(0, 3))]
        verdict = (new_id().hex, 1, stamp(created), stamp(created), claim_id, rnd.choice(RATINGS))
        out["verdict"].append(verdict)
    return out


def load(path: Path, n: int) -> None:
    from app.services import migrations

    path.parent.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(f"sqlite:///{path}")
    rnd, now = random.Random(20201015), datetime.now(UTC).replace(tzinfo=None)
    actors, aliases = actor_rows(rnd, now)
    events = event_rows(rnd, now)
    tables = {"actor": actors, "actor_alias": aliases, "event": events}
    tables |= claim_rows(rnd, n, now, actors, events)
    db = sqlite3.connect(path)
    with db:
        for table, rows in tables.items():
            marks = ",".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    count_for_stats(path)
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    db.close()
    print(", ".join(f"{len(rows)} {table}" for table, rows in tables.items()))


def count_for_stats(path: Path) -> None:
    """The counts behind GET /v1/stats, for the rows inserted here behind the app's back."""
    from app.config import Settings
    from app.db import open_database
    from app.services import tallies

    database = open_database(Settings(database_url=f"sqlite:///{path}"))
    try:
        with database.write.begin() as conn:
            tallies.rebuild(conn)
    finally:
        database.dispose()


def check(path: Path) -> None:
    """Ask the real app (in process, with its lifespan) for the first page of claims."""
    with warnings.catch_warnings():  # starlette's notice about httpx, irrelevant here
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    with TestClient(app) as client:
        response = client.get("/v1/claims?limit=50")
    response.raise_for_status()
    items = response.json()["items"]
    assert len(items) == 50, f"expected 50 claims, got {len(items)}"
    print(f"checked: GET /v1/claims?limit=50 -> {len(items)} items, {len(response.content)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "claims-10k.db")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args()
    if args.out.exists():
        if not args.force:
            sys.exit(f"{args.out} exists (use --force to replace it)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.out}{suffix}").unlink(missing_ok=True)
    load(args.out, args.claims)
    check(args.out)


if __name__ == "__main__":
    main()
