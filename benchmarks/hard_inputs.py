"""Hostile and broken inputs, each mixed with good PubMed records, built with ``kg build`` (issue 24).

    python benchmarks/hard_inputs.py [--only SUBSTRING ...] [--keep DIR] [--list]

Every case writes a small input folder (three good PubMed XML records plus the case's bad
file, line, path or fault), runs ``kg build IN --out OUT -j 1 -q`` in a subprocess and prints
one row: the exit status, the documents kept / expected (``documents`` of OUT/summary.json),
the peak memory of the build and its children (``resource.getrusage(RUSAGE_CHILDREN)`` of a
fresh launcher process per case, so each figure is that case's own), the seconds, and what
went wrong. A case passes when every good document is kept, the build exits as expected, it
stays under 2 GB and finishes in under 60 s, and its own check (no garbled text, a consistent
output folder, ...) holds. A build is killed past 3 GB or 90 s so that a failing case cannot
take the machine down. The list at the end names the cases that fail.

Cases cover the issue's ten classes as far as they are inputs; those whose fix lies outside
ingest (NER on huge or parenthesis-heavy documents, atomic outputs, the output lock, the
cache, CSV injection) are here too, so they show up as failing until they are fixed.
Unreadable-folder cases run the build as the user ``nobody`` (``setpriv``) when run as root.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_MB = 2048
MAX_SECONDS = 60
KILL_MB = 3072
KILL_SECONDS = 90
RECORD_CAP = 10 * 1024 * 1024  # kg.ingest.streams.MAX_RECORD_BYTES (not imported: the launcher stays light)

XML_RECORD = (
    "<PubmedArticle><MedlineCitation><PMID>{n}</PMID><Article><ArticleTitle>{title}</ArticleTitle>"
    "<Abstract><AbstractText>{text}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n"
)
GOOD_TEXTS = (
    ("STAT3 signalling in lung cancer", "STAT3 activates EGFR and drives resistance to gefitinib in lung cancer."),
    ("Beta-catenin in colorectal cancer", "Mutant beta-catenin and APC loss drive colorectal cancer growth."),
    ("TP53 and cisplatin", "TP53 mutation reduces the response to cisplatin in ovarian cancer."),
)


def good_xml(first: int = 1000) -> str:
    records = "".join(XML_RECORD.format(n=first + i, title=t, text=a) for i, (t, a) in enumerate(GOOD_TEXTS))
    return f"<PubmedArticleSet>\n{records}</PubmedArticleSet>\n"


def good_line(n: int, title: str = "", text: str = "") -> str:
    """A good JSON Lines record (title and abstract differ by ``n``: repeats of one text are deduplicated)."""
    title = title or f"EGFR in glioma, series {n}"
    text = text or f"EGFR amplification drives glioma growth in series {n}."
    return json.dumps({"pmid": str(n), "title": title, "abstract": text}, ensure_ascii=False) + "\n"


@dataclass
class Case:
    """One hostile input: where it is, what a correct build keeps, and how to run and check it."""

    name: str
    expected: int  # documents a correct build keeps
    args: list[str] = field(default_factory=list)  # paths given to kg build (default: the input folder)
    extra: list[str] = field(default_factory=list)  # more options
    as_nobody: bool = False
    runs: int = 1  # builds in a row into the same --out (the last one is measured)
    check: Callable[[Path, str], str | None] | None = None  # (out folder, terminal output) -> problem
    action: str | None = None  # "kill-during-write", "two-at-once"
    expect_rc: int = 0
    also: int | None = None  # another document count that is right too (the new set, after a kill)


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# -- checks ------------------------------------------------------------------------------------


def no_garbling(out: Path, _: str) -> str | None:
    text = "".join(p.read_text("utf-8", "replace") for p in [*out.glob("*.csv"), *out.glob("graph.html")])
    return "garbled text (Î² / Ã) in the outputs" if ("Î²" in text or "Ã" in text) else None


def no_raw_escapes(_: Path, terminal: str) -> str | None:
    return "raw escape sequence reached the terminal" if "\x1b" in terminal or "\x07" in terminal else None


def consistent_outputs(out: Path, _: str) -> str | None:
    """The folder holds one complete set: summary.json, graph.graphml and the CSVs agree."""
    from xml.etree import ElementTree

    try:
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        ElementTree.parse(out / "graph.graphml")
        with open(out / "nodes.csv", encoding="utf-8", newline="") as fh:
            nodes = sum(1 for _ in csv.reader(fh)) - 1
        with open(out / "edges.csv", encoding="utf-8", newline="") as fh:
            edges = sum(1 for _ in csv.reader(fh)) - 1
    except Exception as exc:  # noqa: BLE001 - any broken file is the finding
        return f"broken output set ({type(exc).__name__}: {str(exc)[:80]})"
    if (nodes, edges) != (summary.get("nodes"), summary.get("edges")):
        return f"mixed output set: nodes.csv {nodes} / edges.csv {edges} rows vs summary {summary.get('nodes')}/" \
               f"{summary.get('edges')}"
    return None


def csv_neutralised(out: Path, _: str) -> str | None:
    for name in ("nodes.csv", "edges.csv"):
        path = out / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(cell):
                        return f"{name}: formula cell {cell[:40]!r} not neutralised"
    return None


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def lock_message(_: Path, terminal: str) -> str | None:
    return None if "lock" in terminal.lower() else "two builds into one --out: no lock, no message"


def and_checks(*checks: Callable[[Path, str], str | None]) -> Callable[[Path, str], str | None]:
    def run(out: Path, terminal: str) -> str | None:
        return next((p for c in checks if (p := c(out, terminal))), None)

    return run


# -- cases -------------------------------------------------------------------------------------


def build_cases(root: Path) -> dict[str, Callable[[Path], Case]]:  # noqa: C901 - one small function per case
    """Case name -> a function that writes the case's input under ``inp`` and returns the Case."""
    cases: dict[str, Callable[[Path], Case]] = {}

    def case(name: str) -> Callable[[Callable[[Path], Case]], Callable[[Path], Case]]:
        def register(fn: Callable[[Path], Case]) -> Callable[[Path], Case]:
            cases[name] = fn
            return fn

        return register

    # 1. one big document
    @case("1 abstract 1.2 M chars, no title")
    def _(inp: Path) -> Case:
        _write(inp / "big.jsonl", json.dumps({"pmid": "1", "abstract": "STAT3 drives resistance. " * 48_000}) + "\n")
        return Case("", 4)

    @case("1 title + abstract over 1 M chars")
    def _(inp: Path) -> Case:
        _write(inp / "big.jsonl", json.dumps({"pmid": "1", "title": "EGFR " * 10,
                                              "abstract": "EGFR drives glioma. " * 50_000}) + "\n")
        return Case("", 4)

    @case("1 CSV cell 1.1 M chars")
    def _(inp: Path) -> Case:
        _write(inp / "big.csv", "pmid,title,abstract\n1,Big,\"" + "TP53 loss in cancer. " * 53_000 + "\"\n")
        return Case("", 4)

    # 2. memory on small legal inputs
    @case("2 SAR abstract 96 kB of parentheses")
    def _(inp: Path) -> Case:
        sar = "".join(f"compound {i} (IC50 = {i % 50 + 1} nM) inhibited EGFR (HER1); " for i in range(1, 1600))
        _write(inp / "sar.jsonl", json.dumps({"pmid": "1", "title": "SAR of EGFR inhibitors", "abstract": sar}) + "\n")
        return Case("", 4)

    @case("2 gzip holding one 1 GB JSON line")
    def _(inp: Path) -> Case:
        with gzip.open(inp / "huge.jsonl.gz", "wb", compresslevel=1) as out:
            out.write(good_line(1).encode())
            out.write(b'{"pmid": "2", "title": "Huge", "abstract": "')
            block = b"x" * (1 << 20)
            for _ in range(1024):
                out.write(block)
            out.write(b'"}\n')
            out.write(good_line(3).encode())
        return Case("", 5)

    # 3. outputs written in place
    @case("3 kill during writing")
    def _(inp: Path) -> Case:
        _write(inp / "more.jsonl", "".join(good_line(n, f"EGFR and TP53 {n}", f"EGFR binds TP53 in tumour {n}.")
                                           for n in range(1, 40)))
        return Case("", 42, action="kill-during-write", check=consistent_outputs, also=62)

    # 4. two builds into one --out
    @case("4 two builds into one --out")
    def _(inp: Path) -> Case:
        return Case("", 3, action="two-at-once", check=lock_message)

    # 5. one bad line or byte
    @case("5 NUL inside one JSONL line")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", (good_line(1) + good_line(2, "Pa\x00per") + good_line(3)).replace("\\u0000", "\x00"))
        return Case("", 5)

    @case("5 NUL inside one CSV line")
    def _(inp: Path) -> Case:
        _write(inp / "a.csv", b"pmid,title,abstract\n1,EGFR,EGFR in glioma.\n2,Pa\x00per,x\n3,TP53,TP53 in cancer.\n")
        return Case("", 5)

    @case("5 lone surrogate \\ud800")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", good_line(1) + '{"pmid": "2", "title": "bad \\ud800", "abstract": "x"}\n'
               + good_line(3))
        return Case("", 5)

    @case("5 first JSONL line {}")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", "{}\n" + good_line(2) + good_line(3))
        return Case("", 5)

    @case("5 first JSONL line metadata")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", '{"exported": "2024-01-01", "count": 2}\n' + good_line(2) + good_line(3))
        return Case("", 5)

    @case("5 5,000-digit integer")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", good_line(1) + '{"pmid": "2", "n": ' + "7" * 5000 + "}\n" + good_line(3))
        return Case("", 5)

    @case("5 100k-deep nesting")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", good_line(1) + '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + good_line(3))
        return Case("", 5)

    @case("5 PubTator offset in non-ASCII digits")
    def _(inp: Path) -> Case:
        _write(inp / "a.pubtator", "11|t|STAT3 in lung cancer.\n11|a|STAT3 drives resistance.\n"
               "11\t0\t5\tSTAT3\tGene\t6774\n11\t\u00b9\u2070\t21\tlung cancer\tDisease\tD008175\n\n"
               "12|t|EGFR in glioma.\n12|a|EGFR drives glioma.\n12\t0\t4\tEGFR\tGene\t1956\n\n")
        return Case("", 5)

    @case("5 gzip with trailing garbage")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl.gz", gzip.compress((good_line(1) + good_line(2)).encode()) + b"trailing garbage\n")
        return Case("", 5)

    @case("5 PubMed XML malformed record")
    def _(inp: Path) -> Case:
        rec = "".join(XML_RECORD.format(n=n, title=f"EGFR {n}", text=f"EGFR in glioma {n}.") for n in (1, 2))
        bad = "<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>x</Title></Article>" \
              "</MedlineCitation></PubmedArticle>\n"
        tail = XML_RECORD.format(n=4, title="TP53", text="TP53 in cancer.")
        _write(inp / "b.xml", f"<PubmedArticleSet>\n{rec}{bad}{tail}</PubmedArticleSet>\n")
        return Case("", 6)

    @case("5 pretty-printed JSON object")
    def _(inp: Path) -> Case:
        _write(inp / "one.json", json.dumps({"pmid": "1", "title": "EGFR", "abstract": "EGFR in glioma."}, indent=2))
        return Case("", 4)

    # 6. silent garbling
    @case("6 one latin-1 line in UTF-8 JSONL")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", good_line(1, "\u03b2-catenin in colon cancer", "\u03b2-catenin drives colon cancer.")
               .encode() + good_line(2, "Caf\u00e9", "caf\u00e9 and TP53").encode("latin-1") + good_line(3).encode())
        return Case("", 6, check=no_garbling)

    # 7. documents lost without a word
    @case("7 symlinked subfolder")
    def _(inp: Path) -> Case:
        _write(inp.parent / "elsewhere" / "a.jsonl", good_line(1) + good_line(2))
        (inp / "linked").symlink_to(inp.parent / "elsewhere", target_is_directory=True)
        (inp.parent / "elsewhere" / "loop").symlink_to(inp, target_is_directory=True)
        return Case("", 5)

    @case("7 unreadable subfolder (as nobody)")
    def _(inp: Path) -> Case:
        _write(inp / "locked" / "a.jsonl", good_line(1))
        (inp / "locked").chmod(0)
        return Case("", 3, as_nobody=True, check=lambda out, term: None if "locked" in term else "not reported")

    @case("7 symlink to a FIFO")
    def _(inp: Path) -> Case:
        os.mkfifo(inp.parent / "fifo")
        (inp / "pipe.jsonl").symlink_to(inp.parent / "fifo")
        return Case("", 3)

    @case("7 output folder inside the input")
    def _(inp: Path) -> Case:
        return Case("", 3, extra=["--out-inside"], runs=2)

    @case("7 file name with invalid UTF-8")
    def _(inp: Path) -> Case:
        with open(os.path.join(os.fsencode(inp), b"bad\xff\xfe.jsonl"), "w", encoding="utf-8") as out:
            out.write(good_line(1))
        return Case("", 4)

    # 8. the cache
    @case("8 corrupt cache pages")
    def _(inp: Path) -> Case:
        return Case("", 3, runs=2, action="corrupt-cache")

    @case("8 cache replaced by garbage")
    def _(inp: Path) -> Case:
        return Case("", 3, runs=2, action="garbage-cache")

    # 9. CSV injection
    @case("9 CSV injection in names")
    def _(inp: Path) -> Case:
        _write(inp / "a.jsonl", good_line(1, "-2+3+cmd|' /C calc'!A0 and EGFR", "+catechin inhibits EGFR; "
                                          "=HYPERLINK(\"x\") binds STAT3; @SUM(1) and -catechin in cancer."))
        return Case("", 4, check=csv_neutralised)

    # 10. paths next to good ones, names with escape sequences
    @case("10 missing path next to a good one")
    def _(inp: Path) -> Case:
        return Case("", 3, args=[str(inp), str(inp.parent / "missing.jsonl")])

    @case("10 FIFO given next to a good path")
    def _(inp: Path) -> Case:
        os.mkfifo(inp.parent / "given.fifo")
        return Case("", 3, args=[str(inp), str(inp.parent / "given.fifo")])

    @case("10 unreadable file given (as nobody)")
    def _(inp: Path) -> Case:
        _write(inp.parent / "secret.jsonl", good_line(1))
        (inp.parent / "secret.jsonl").chmod(0)
        return Case("", 3, args=[str(inp), str(inp.parent / "secret.jsonl")], as_nobody=True)

    @case("10 escape sequences in a file name")
    def _(inp: Path) -> Case:
        _write(inp / "evil\x1b[2J\x1b[31m\x07.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        _write(inp / "ok\x1b]0;title\x07.jsonl", good_line(1))
        return Case("", 4, check=no_raw_escapes)

    return cases


# -- running -----------------------------------------------------------------------------------


def kg_command() -> list[str]:
    script = Path(sys.executable).parent / "kg"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from kg.cli import main; main()"]


def launch(cmd: list[str], *, env: dict[str, str], as_nobody: bool) -> dict[str, object]:
    """Run ``cmd`` through a fresh launcher process that reports its children's peak memory."""
    if as_nobody and os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    proc = subprocess.run([sys.executable, __file__, "--launch", json.dumps(cmd)], env=env,
                          capture_output=True, text=True, errors="backslashreplace")
    return json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {
        "rc": -1, "mb": 0, "seconds": 0, "output": proc.stderr[-2000:]}


def launcher(cmd: list[str]) -> None:
    """In the launcher process: run ``cmd``, kill it past KILL_MB or KILL_SECONDS, print a JSON line."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - the watchdog then only times out
        psutil = None
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    killed = ""
    out_chunks: list[bytes] = []
    os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
    while proc.poll() is None:
        time.sleep(0.2)
        chunk = proc.stdout.read()  # type: ignore[union-attr]
        if chunk:
            out_chunks.append(chunk)
        if time.perf_counter() - started > KILL_SECONDS:
            killed = f"killed after {KILL_SECONDS} s"
        elif psutil is not None:
            try:
                tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree) / 2**20
            except psutil.Error:
                rss = 0
            if rss > KILL_MB:
                killed = f"killed at {rss:.0f} MB"
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    rest = proc.stdout.read() or b""  # type: ignore[union-attr]
    out_chunks.append(rest)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = b"".join(out_chunks).decode("utf-8", "backslashreplace")
    print(json.dumps({"rc": proc.returncode, "mb": peak, "seconds": seconds, "killed": killed, "output": text}))


def _documents(out: Path) -> int | None:
    try:
        return int(json.loads((out / "summary.json").read_text("utf-8"))["documents"])
    except (OSError, ValueError, KeyError):
        return None


def run_case(name: str, make: Callable[[Path], Case], work: Path) -> dict[str, object]:
    base = Path(tempfile.mkdtemp(prefix="case-", dir=work))
    base.chmod(0o755)
    inp = base / "in"
    inp.mkdir()
    _write(inp / "good.xml", good_xml())
    case = make(inp)
    out = inp / "out" if "--out-inside" in case.extra else base / "out"
    extra = [e for e in case.extra if e != "--out-inside"]
    quiet = [] if case.check is not None else ["-q"]  # a check may read the terminal summary
    cmd = [*kg_command(), "build", *(case.args or [str(inp)]), "--out", str(out), "-j", "1", *quiet, *extra]
    env = {**os.environ, "HOME": str(base), "PYTHONDONTWRITEBYTECODE": "1"}
    if case.as_nobody:
        for path in [base, *base.rglob("*")]:
            if not path.is_symlink() and path.stat().st_mode & 0o777:
                os.chown(path, 65534, 65534)
    result: dict[str, object] = {}
    if case.action == "two-at-once":
        result = two_at_once(cmd, env)
    elif case.action == "kill-during-write":
        result = kill_during_write(cmd, env, inp, out)
    else:
        for i in range(case.runs):
            if i and case.action == "corrupt-cache":
                damage_cache(out / "kg.sqlite", garbage=False)
            elif i and case.action == "garbage-cache":
                damage_cache(out / "kg.sqlite", garbage=True)
            if i:  # the documents counted are the last build's
                (out / "summary.json").unlink(missing_ok=True)
            result = launch(cmd, env=env, as_nobody=case.as_nobody)
    docs = _documents(out)
    problems = []
    if result.get("killed"):
        problems.append(str(result["killed"]))
    if result.get("rc") != case.expect_rc:
        last = [ln for ln in str(result.get("output", "")).splitlines() if ln.strip()][-1:] or [""]
        problems.append(f"exit {result.get('rc')}: {last[0][:100]}")
    if docs not in (case.expected, case.also):
        problems.append(f"kept {docs} of {case.expected} documents")
    if float(result.get("mb", 0)) > MAX_MB:  # type: ignore[arg-type]
        problems.append(f"over {MAX_MB} MB")
    if float(result.get("seconds", 0)) > MAX_SECONDS:  # type: ignore[arg-type]
        problems.append(f"over {MAX_SECONDS} s")
    if case.check is not None and out.exists() and not problems:
        problem = case.check(out, str(result.get("output", "")))
        if problem:
            problems.append(problem)
    for path in [base, *base.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(base, ignore_errors=True)
    return {"case": name, "rc": result.get("rc"), "kept": docs, "expected": case.expected,
            "mb": result.get("mb", 0), "seconds": result.get("seconds", 0), "problems": problems}


def damage_cache(path: Path, *, garbage: bool) -> None:
    if garbage:
        path.write_bytes(b"this is not an SQLite database\n" * 200)
        return
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 8192):  # every other page after the header page
        data[offset : offset + 512] = os.urandom(512)
    path.write_bytes(bytes(data))


def two_at_once(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    """Two builds into one --out at the same moment (one launcher: its peak is the larger of the two)."""
    script = '"$@" & first=$!; "$@"; second=$?; wait $first; echo "exit statuses $? $second"'
    return launch(["bash", "-c", script, "two-builds", *cmd], env=env, as_nobody=False)


def kill_during_write(cmd: list[str], env: dict[str, str], inp: Path, out: Path) -> dict[str, object]:
    """Build once, change the input, build again and SIGKILL that build as soon as it starts writing outputs."""
    first = launch(cmd, env=env, as_nobody=False)
    if first.get("rc") != 0:
        return first
    def outputs() -> dict[str, int]:  # kg's files but the cache and a lock
        found = {}
        for p in out.iterdir():
            if not p.name.startswith("kg.sqlite") and "lock" not in p.name:
                try:
                    found[p.name] = p.stat().st_mtime_ns
                except FileNotFoundError:  # renamed away meanwhile
                    pass
        return found

    before = outputs()
    _write(inp / "new.jsonl", "".join(good_line(n, f"STAT3 and MYC {n}", f"STAT3 induces MYC in lymphoma {n}.")
                                      for n in range(500, 520)))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and time.perf_counter() - started < KILL_SECONDS:
        if outputs() != before:  # a file written, replaced or created: writing has begun
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()
    return {"rc": 0, "mb": first.get("mb", 0), "seconds": time.perf_counter() - started, "output": "",
            "killed": "" if proc.returncode == -signal.SIGKILL else "the build ended before it could be killed"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="run the cases whose name holds one of these")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--launch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.launch:
        launcher(json.loads(args.launch))
        return 0
    work = Path(tempfile.mkdtemp(prefix="kg-hard-inputs-"))
    work.chmod(0o755)
    cases = build_cases(work)
    if args.list:
        print("\n".join(cases))
        return 0
    chosen = {n: f for n, f in cases.items() if not args.only or any(o in n for o in args.only)}
    print(f"{'case':<42} {'exit':>4} {'kept/expected':>13} {'peak MB':>8} {'s':>6}  problems")
    failing = []
    try:
        for name, make in chosen.items():
            row = run_case(name, make, work)
            kept = f"{row['kept']}/{row['expected']}"
            problems = "; ".join(row["problems"]) or "ok"  # type: ignore[arg-type]
            print(f"{name:<42} {row['rc']!s:>4} {kept:>13} {row['mb']:>8.0f} {row['seconds']:>6.1f}  {problems}",
                  flush=True)
            if row["problems"]:
                failing.append(name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{len(chosen) - len(failing)} of {len(chosen)} cases pass (every good document kept, exit as expected, "
          f"under {MAX_MB} MB and {MAX_SECONDS} s, own check).")
    if failing:
        print("failing: " + ", ".join(failing))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
