"""Make a realistic archive of N claims and load it through ``contested import``.

Writes an NDJSON file in the export format (see app/services/export.py), then creates a
fresh SQLite database with ``contested db upgrade`` and loads the file with
``contested import``, printing how long the import took and the claims per minute.

The archive: 3,000 actors with aliases in Latin, Cyrillic and Arabic script, a few
hundred ``part_of`` and other relations, 600 events, one source per 20 claims (at least
2,000), and N claims, each with 1-3 accused, 0-3 tags, 1-2 cited sources, a verdict,
0-5 responses (some replying to another) and 0-6 evidence items, their quotes and
summaries in English, Russian, Arabic and Uzbek, a few hundred characters long. The
random generator is seeded: the same N gives the same records (ids and timestamps
differ from run to run).

Default paths (``--out`` changes them), by N: 10,000 claims ->
``bench/data/archive-10k.ndjson`` and ``bench/data/archive-10k.db``; 1,000,000 claims
-> ``bench/data/archive-1m.ndjson`` and ``bench/data/archive-1m.db``.

    .venv/bin/python bench/make_archive.py --claims 10000
    .venv/bin/python bench/make_archive.py --claims 1000000 --measure-export
    make bench-data N=1000000

``--step archive`` only writes the archive; ``--step import`` only loads one written
before, into a new database. ``--measure-export`` then runs ``contested export`` of the
new database to /dev/null under ``/usr/bin/time -v`` and prints its time and peak memory
(maximum resident set). The import's CPU time is printed beside the wall clock, since on
a shared machine the wall clock also counts other people's work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.models.common import new_id  # noqa: E402
from bench.make_data import (  # noqa: E402
    ARABIC,
    ARABIC_PLACES,
    CYRILLIC,
    CYRILLIC_PLACES,
    DETAILS,
    PLACES,
    TAGS,
    VERBS,
)

ACTORS, EVENTS, RELATIONS = 3000, 600, 400
CONTESTED = str(ROOT / ".venv" / "bin" / "contested")
# fmt: off
LATIN = [
    "Federal Security Service", "Ministry of Interior", "Ministry of Defence", "National Guard",
    "Prosecutor General", "Investigative Committee", "Liberation Front", "Islamic Brigade",
    "People's Army", "Resistance Council", "News Agency", "Human Rights Group",
    "Supreme Court", "Border Service", "Police Department", "Jamaat", "Battalion",
]
PROSE = {
    "en": (
        "the cell planned attacks on crowded places and received money from abroad "
        "through couriers investigators say the detained men confessed during questioning "
        "while their lawyers claim the statements were obtained under pressure weapons "
        "ammunition and explosive devices were reportedly found in a rented apartment "
        "the group denied any involvement and called the accusation a provocation "
        "independent journalists could not verify the photographs published by the agency"
    ),
    "ru": (
        "ячейка планировала теракты в местах массового скопления людей и получала деньги "
        "из-за рубежа через курьеров по словам следствия задержанные признались на допросе "
        "адвокаты утверждают что показания получены под давлением в съемной квартире "
        "якобы обнаружены оружие боеприпасы и самодельные взрывные устройства группировка "
        "отрицает свою причастность и называет обвинения провокацией независимые журналисты "
        "не смогли проверить опубликованные ведомством фотографии"
    ),
    "ar": (
        "خططت الخلية لهجمات على أماكن مزدحمة وتلقت أموالا من الخارج عبر وسطاء ويقول "
        "المحققون إن المعتقلين اعترفوا أثناء الاستجواب بينما يؤكد محاموهم أن الأقوال انتزعت "
        "تحت الضغط وعثر على أسلحة وذخائر وعبوات ناسفة في شقة مستأجرة ونفت الجماعة أي علاقة "
        "لها ووصفت الاتهام بأنه استفزاز ولم يتمكن صحفيون مستقلون من التحقق من الصور"
    ),
    "uz": (
        "guruh gavjum joylarda hujumlar uyushtirishni rejalashtirgan va chet eldan pul olgan "
        "tergovchilarning aytishicha hibsga olinganlar so'roq paytida aybini tan olgan "
        "advokatlar esa ko'rsatmalar bosim ostida olinganini aytmoqda guruh ayblovni "
        "rad etdi va uni ig'vo deb atadi mustaqil jurnalistlar suratlarni tekshira olmadi"
    ),
}
TEXT = {language: prose.split() for language, prose in PROSE.items()}
ACTOR_KINDS = ["state_agency", "government", "armed_group", "media_outlet", "ngo", "court",
               "person", "company"]
EVENT_KINDS = ["attack", "plot", "arrest", "trial", "operation", "protest", "campaign", "other"]
SOURCE_KINDS = ["official_statement", "press_release", "messaging_post", "social_media_post",
                "news_report", "court_record", "ngo_report", "interview"]
STANCES = ["denies"] * 5 + ["partially_denies", "disputes_evidence", "counter_accuses",
                            "confirms", "admits", "no_comment"]
EVIDENCE_KINDS = ["document", "photo", "video", "physical", "testimony", "confession",
                  "official_record", "court_ruling", "expert_analysis", "osint", "absence"]
RATINGS = ["unassessed"] * 6 + ["unverified", "disputed", "substantiated", "refuted",
                                "misleading", "unprovable"]
# fmt: on
LANGUAGES = ["en", "ru", "ar", "uz"]


class Archive:
    """Writes records of each type to its own file; ``finish`` joins them in file order."""

    ORDER = ("actor", "event", "source", "relation", "claim", "response", "evidence")

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parts = {t: out.with_suffix(f".{t}.part") for t in self.ORDER}
        self.files: dict[str, TextIO] = {
            t: p.open("w", encoding="utf-8") for t, p in self.parts.items()
        }
        self.counts = dict.fromkeys(self.ORDER, 0)

    def write(self, record: dict[str, Any]) -> None:
        self.files[record["type"]].write(
            json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        )
        self.counts[record["type"]] += 1

    def finish(self) -> None:
        with self.out.open("wb") as out:
            out.write(b'{"type":"header","format":"contested-export","version":1}\n')
            for type_ in self.ORDER:
                self.files[type_].close()
                with self.parts[type_].open("rb") as part:
                    while chunk := part.read(1 << 20):
                        out.write(chunk)
                self.parts[type_].unlink()


class Maker:
    def __init__(self, claims: int, seed: int = 20201015) -> None:
        self.rnd = random.Random(seed)
        self.claims = claims
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.moment = self.now - timedelta(days=900)

    def stamp(self) -> str:
        """Timestamps that grow with the ids, as they do when rows are written."""
        self.moment += timedelta(microseconds=self.rnd.randrange(1, 20_000))
        return self.moment.isoformat()

    def meta(self) -> dict[str, Any]:
        created = self.stamp()
        return {"version": 1, "created_at": created, "updated_at": created, "deleted_at": None}

    def words(self, language: str, low: int, high: int) -> str:
        pool = TEXT[language]
        n = self.rnd.randint(low, high)
        start = self.rnd.randrange(len(pool))
        text = " ".join(pool[(start + i * self.rnd.randint(1, 3)) % len(pool)] for i in range(n))
        return text[0].upper() + text[1:] + "."

    def day(self) -> date:
        return date(2010, 1, 1) + timedelta(days=self.rnd.randrange(5800))

    def dated(self, stated: date | None) -> tuple[str | None, str | None]:
        if stated is None:
            return None, None
        precision = self.rnd.choices(["day", "month", "year"], [8, 2, 1])[0]
        if precision == "month":
            stated = stated.replace(day=1)
        elif precision == "year":
            stated = stated.replace(month=1, day=1)
        return stated.isoformat(), precision

    def actors(self, archive: Archive) -> list[tuple[str, str]]:
        actors = []
        for i in range(ACTORS):
            rnd = self.rnd
            latin = f"{rnd.choice(LATIN)} of {rnd.choice(PLACES)}"
            cyrillic = f"{rnd.choice(CYRILLIC)} {rnd.choice(CYRILLIC_PLACES)}"
            arabic = f"{rnd.choice(ARABIC)} في {rnd.choice(ARABIC_PLACES)}"
            name = rnd.choices([latin, cyrillic, arabic], weights=[6, 2, 2])[0]
            actor_id = str(new_id())
            actors.append((actor_id, name))
            archive.write(
                {
                    "type": "actor",
                    "id": actor_id,
                    "slug": f"actor-{i:04d}",
                    "name": name,
                    "kind": rnd.choice(ACTOR_KINDS),
                    "country": rnd.choice(["RU", "SY", "IQ", "UZ", "KG", "TJ", "AF", None]),
                    "description": f"{latin}, also known as {cyrillic} and {arabic}.",
                    "wikidata_id": f"Q{rnd.randrange(1, 10**8)}" if rnd.random() < 0.3 else None,
                    **self.meta(),
                    "aliases": [a for a in (latin, cyrillic, arabic) if a != name],
                }
            )
        return actors

    def events(self, archive: Archive) -> list[str]:
        events = []
        for i in range(EVENTS):
            place, kind = self.rnd.choice(PLACES), self.rnd.choice(EVENT_KINDS)
            on, precision = self.dated(self.day())
            event_id = str(new_id())
            events.append(event_id)
            archive.write(
                {
                    "type": "event",
                    "id": event_id,
                    "slug": f"event-{i:03d}",
                    "title": f"{kind.capitalize()} in {place}, {on}",
                    "kind": kind,
                    "occurred_on": on,
                    "occurred_on_precision": precision,
                    "place": place,
                    "country": self.rnd.choice(["RU", "SY", "IQ", "UZ", None]),
                    "summary": self.words("en", 20, 60),
                    "wikidata_id": None,
                    **self.meta(),
                }
            )
        return events

    def sources(self, archive: Archive, actors: list[tuple[str, str]]) -> list[str]:
        sources = []
        for i in range(max(2000, self.claims // 20)):
            language = self.rnd.choice(LANGUAGES)
            on, precision = self.dated(self.day())
            source_id = str(new_id())
            sources.append(source_id)
            has_url = self.rnd.random() < 0.8
            archive.write(
                {
                    "type": "source",
                    "id": source_id,
                    "url": f"https://news{i % 50}.example/{language}/{i}" if has_url else None,
                    "title": self.words(language, 6, 14),
                    "publisher": self.rnd.choice(actors)[0] if self.rnd.random() < 0.7 else None,
                    "publisher_name": None,
                    "kind": self.rnd.choice(SOURCE_KINDS),
                    "language": language,
                    "published_on": on,
                    "published_on_precision": precision,
                    "archive_url": None,
                    "content_sha256": None,
                    "reliability": self.rnd.choice("ABCDEF"),
                    **self.meta(),
                }
            )
        return sources

    def relations(
        self, archive: Archive, actors: list[tuple[str, str]], sources: list[str]
    ) -> None:
        predicates = ["part_of"] * 3 + ["affiliated_with", "member_of", "leader_of"]
        for _ in range(RELATIONS):
            subject, object_ = self.rnd.sample(actors, 2)
            since, since_precision = self.dated(self.day() if self.rnd.random() < 0.6 else None)
            archive.write(
                {
                    "type": "relation",
                    "id": str(new_id()),
                    "subject": subject[0],
                    "predicate": self.rnd.choice(predicates),
                    "object": object_[0],
                    "since": since,
                    "since_precision": since_precision,
                    "until": None,
                    "until_precision": None,
                    "note": None,
                    **self.meta(),
                    "sources": [self.rnd.choice(sources)] if self.rnd.random() < 0.5 else [],
                }
            )

    def citations(self, sources: list[str], low: int, high: int) -> list[dict[str, Any]]:
        cited = dict.fromkeys(self.rnd.choice(sources) for _ in range(self.rnd.randint(low, high)))
        return [{"source_id": s, "locator": f"paragraph {self.rnd.randint(1, 12)}"} for s in cited]

    def claim(
        self, archive: Archive, actors: list[tuple[str, str]], events: list[str], sources: list[str]
    ) -> None:
        rnd = self.rnd
        claimant, *accused = rnd.sample(actors, 1 + rnd.randint(1, 3))
        stated, precision = self.dated(self.day() if rnd.random() < 0.95 else None)
        language = rnd.choice(LANGUAGES)
        what = f"{rnd.choice(VERBS)} {rnd.choice(PLACES)}{rnd.choice(DETAILS)}{rnd.choice(DETAILS)}"
        claim_id = str(new_id())
        meta = self.meta()
        rated = rnd.choice(RATINGS)
        verdict: dict[str, Any] = {
            "id": str(new_id()),
            "rating": rated,
            "rationale": None if rated == "unassessed" else self.words("en", 15, 40),
            "reviewed_by": None if rated == "unassessed" else "desk editor",
            "reviewed_at": None if rated == "unassessed" else self.stamp(),
            **meta,
        }
        archive.write(
            {
                "type": "claim",
                "id": claim_id,
                "proposition": f"{accused[0][1]} {what}.",
                "claimant": claimant[0],
                "event": rnd.choice(events) if rnd.random() < 0.8 else None,
                "stated_on": stated,
                "stated_on_precision": precision,
                "quote": self.words(language, 25, 70),
                "quote_language": language,
                "translation": None if language == "en" else self.words("en", 25, 70),
                **meta,
                "accused": [a[0] for a in accused],
                "tags": sorted(rnd.sample(TAGS, rnd.randint(0, 3))),
                "sources": self.citations(sources, 1, 2),
                "verdict": verdict,
            }
        )
        responses: list[str] = []
        for _ in range(rnd.randint(0, 5)):
            responder = rnd.choice(accused) if rnd.random() < 0.7 else rnd.choice(actors)
            language = rnd.choice(LANGUAGES)
            on, on_precision = self.dated(self.day() if rnd.random() < 0.9 else None)
            response_id = str(new_id())
            archive.write(
                {
                    "type": "response",
                    "id": response_id,
                    "claim": claim_id,
                    "responder": responder[0],
                    "stance": rnd.choice(STANCES),
                    "stated_on": on,
                    "stated_on_precision": on_precision,
                    "quote": self.words(language, 15, 50),
                    "quote_language": language,
                    "translation": None if language == "en" else self.words("en", 15, 50),
                    "in_reply_to": rnd.choice(responses)
                    if responses and rnd.random() < 0.3
                    else None,
                    **self.meta(),
                    "sources": self.citations(sources, 0, 1),
                }
            )
            responses.append(response_id)
        for _ in range(rnd.randint(0, 6)):
            on, on_precision = self.dated(self.day() if rnd.random() < 0.7 else None)
            archive.write(
                {
                    "type": "evidence",
                    "id": str(new_id()),
                    "claim": claim_id,
                    "summary": self.words("en", 15, 45),
                    "kind": rnd.choice(EVIDENCE_KINDS),
                    "bearing": rnd.choice(["supports", "supports", "refutes", "context"]),
                    "produced_by": rnd.choice(actors)[0] if rnd.random() < 0.6 else None,
                    "independent": rnd.random() < 0.4,
                    "reliability": rnd.choice("ABCDEF"),
                    "credibility": rnd.randint(1, 6),
                    "dated_on": on,
                    "dated_on_precision": on_precision,
                    "note": self.words("en", 8, 20) if rnd.random() < 0.3 else None,
                    **self.meta(),
                    "sources": self.citations(sources, 0, 2),
                }
            )

    def make(self, out: Path) -> dict[str, int]:
        archive = Archive(out)
        actors = self.actors(archive)
        events = self.events(archive)
        sources = self.sources(archive, actors)
        self.relations(archive, actors, sources)
        for i in range(self.claims):
            self.claim(archive, actors, events, sources)
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1:,} claims written", flush=True)
        archive.finish()
        return archive.counts


def label(claims: int) -> str:
    if claims % 1_000_000 == 0:
        return f"{claims // 1_000_000}m"
    if claims % 1000 == 0:
        return f"{claims // 1000}k"
    return str(claims)


def contested(url: str, *args: str, stdout: Any = None) -> None:
    env = {**os.environ, "CONTESTED_DATABASE_URL": url}
    subprocess.run([CONTESTED, *args], env=env, check=True, stdout=stdout)


def _children_cpu() -> float:
    """User and system CPU seconds of the finished child processes: on a shared machine a
    fairer figure than the wall clock, which counts the time others' work took."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _waited(pid: int) -> float | None:
    """Seconds the process has been ready to run but waiting for a core (Linux's
    schedstat), or None when it is gone or the kernel does not say."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def _process_tree(root: int) -> dict[int, tuple[float, int, float]]:
    """CPU seconds, peak resident kB and seconds waited for a core of every process under
    ``root`` (not root)."""
    parents, found = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat[1])
        peak = re.search(r"VmHWM:\s+(\d+)", status)
        cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        found[int(entry)] = (cpu, int(peak.group(1)) if peak else 0)
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return {pid: (*found[pid], _waited(pid) or 0.0) for pid in tree - {root} if pid in found}


@dataclass
class Measured:
    took: float  # wall clock, s
    cpu: float  # of every process, s
    peak: float  # resident MB of the largest process
    waited: float  # s the command's own process was ready to run but had no core
    helpers_waited: float  # the same, summed over the processes it started


def run_measured(command: list[str], env: dict[str, str]) -> Measured:
    """Run ``command``; its wall clock, and the CPU seconds and peak resident MB of it and
    of every process it started, and how long they waited for a core. The import's parse
    workers are children of a fork server that the command does not wait for, so they
    are sampled while they run (a last fraction of a second may be missed)."""
    started, before = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    helpers: dict[int, tuple[float, int, float]] = {}
    waited = 0.0
    while process.poll() is None:
        helpers.update(_process_tree(process.pid))
        waited = _waited(process.pid) or waited
        time.sleep(0.2)
    took = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"{' '.join(command)} exited {process.returncode}")
    main_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cpu = _children_cpu() - before + sum(c for c, _, _ in helpers.values())
    peak = max([main_peak, *(kb / 1024 for _, kb, _ in helpers.values())])
    return Measured(took, cpu, peak, waited, sum(w for _, _, w in helpers.values()))


def measure_export(url: str) -> None:
    env = {**os.environ, "CONTESTED_DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", CONTESTED, "export"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    peak_mb = int(peak.group(1)) / 1024 if peak else float("nan")
    cpu = re.findall(r"(User|System) time \(seconds\): ([\d.]+)", done.stderr)
    cpu_seconds = sum(float(value) for _, value in cpu)
    print(
        f"export: {seconds:.1f} s (CPU time {cpu_seconds:.1f} s), "
        f"peak memory (maximum resident set) {peak_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--out", type=Path, help="the .db file; the archive is beside it")
    parser.add_argument("--force", action="store_true", help="replace existing files")
    parser.add_argument("--measure-export", action="store_true")
    parser.add_argument(
        "--step",
        choices=["all", "archive", "import"],
        default="all",
        help="only write the archive, or only import an archive written before",
    )
    args = parser.parse_args()
    db = args.out or ROOT / "bench" / "data" / f"archive-{label(args.claims)}.db"
    archive = db.with_suffix(".ndjson")
    made_files = [db] if args.step == "import" else [archive, db]
    if any(path.exists() for path in made_files):
        if not args.force:
            sys.exit(f"{' or '.join(map(str, made_files))} exists (use --force to replace)")
        for path in (*made_files, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)

    if args.step in ("all", "archive"):
        started = time.perf_counter()
        counts = Maker(args.claims).make(archive)
        made = time.perf_counter() - started
        size_mb = archive.stat().st_size / 1e6
        print(
            f"archive: {archive} ({sum(counts.values()):,} records, {size_mb:,.0f} MB) "
            f"in {made:.0f} s"
        )
        print("  " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    if args.step == "archive":
        return
    with archive.open("rb") as file:
        lines = sum(1 for _ in file) - 1  # less the header

    url = f"sqlite:///{db}"
    contested(url, "db", "upgrade", stdout=subprocess.DEVNULL)
    env = {**os.environ, "CONTESTED_DATABASE_URL": url}
    run = run_measured([CONTESTED, "import", str(archive)], env)
    print(
        f"import: {run.took:.1f} s, {args.claims / run.took * 60:,.0f} claims per minute, "
        f"{lines / run.took:,.0f} records/s; CPU time {run.cpu:.1f} s of all its processes "
        f"({args.claims / run.cpu * 60:,.0f} claims per CPU minute); "
        f"peak memory of one process {run.peak:.0f} MB; waited for a core: the importing "
        f"process {run.waited:.1f} s, its workers {run.helpers_waited:.1f} s in all"
    )
    print(f"database: {db}")
    if args.measure_export:
        measure_export(url)


if __name__ == "__main__":
    main()
