"""A local HTTP server on 127.0.0.1 that replays NCBI E-utilities answers from tests/fixtures/eutils/.

ESearch answers (JSON) are the template ``esearch.json`` filled from ``searches.json`` (the PMIDs
of each query, newest first, with their Entrez date, so ``mindate`` can be applied); EFetch
answers are the records of ``pubmed_records.xml`` that were asked for, in NCBI's envelope.
Failures are queued per E-utility (:meth:`ReplayServer.fail`); every request is recorded. The
server answers at most ``max_requests`` requests (then HTTP 503) and shuts itself down after
``lifetime`` seconds, so no test can loop or hang on it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "eutils"
QUERY = "STAT3 AND drug resistance"

_PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
_RECORD = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
_PMID = re.compile(rb'<PMID Version="1">(\d+)</PMID>')

#: Faults :meth:`ReplayServer.fail` knows: an HTTP status, or one of these.
CUT = "cut"  # Content-Length of the whole body, half of it sent, connection closed (IncompleteRead)
GARBLE = "garble"  # half of the body sent as if it were whole (JSON/XML that does not parse)
OK = "ok"  # answer normally (to fail a later request of the same E-utility)


@dataclass(frozen=True)
class Request:
    eutil: str
    method: str
    params: dict[str, str]
    at: float


def load_records() -> dict[str, bytes]:
    """PMID -> its ``<PubmedArticle>`` element, from pubmed_records.xml."""
    data = (FIXTURES / "pubmed_records.xml").read_bytes()
    return {_PMID.search(m.group()).group(1).decode(): m.group() for m in _RECORD.finditer(data)}


def load_searches() -> dict[str, dict]:
    return json.loads((FIXTURES / "searches.json").read_text(encoding="utf-8"))


def _date(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split("/")]
    return tuple(parts + [1] * (3 - len(parts)))


class ReplayServer:
    """``with ReplayServer() as server: fetch(..., base_url=server.url)``."""

    def __init__(self, *, max_requests: int = 100, lifetime: float = 120.0) -> None:
        self.records = load_records()
        self.searches = load_searches()
        self.requests: list[Request] = []
        self.max_requests = max_requests
        self._faults: dict[str, list[object]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._timer = threading.Timer(lifetime, self._httpd.shutdown)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/entrez/eutils"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def fail(self, eutil: str, *faults: object) -> None:
        """Answer the next requests to ``eutil`` with ``faults`` (HTTP statuses, CUT, GARBLE, OK) in turn."""
        self._faults.setdefault(eutil, []).extend(faults)

    def publish(self, query: str, pmid: str, edat: str) -> None:
        """A record newly added to PubMed: first in ESearch's answer for ``query``."""
        self.searches[query]["records"].insert(0, {"pmid": pmid, "edat": edat})

    def calls(self, eutil: str) -> list[Request]:
        return [r for r in self.requests if r.eutil == eutil]

    def efetched(self) -> list[str]:
        """Every PMID asked of EFetch, in order."""
        return [p for r in self.calls("efetch") for p in r.params["id"].split(",")]

    # -- answers -------------------------------------------------------------------------------
    def _esearch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        search = self.searches.get(params.get("term", ""))
        if search is None:
            return 200, "application/json; charset=UTF-8", (FIXTURES / "esearch_empty.json").read_bytes()
        records = search["records"]
        if "mindate" in params:
            assert params.get("datetype") == "edat" and "maxdate" in params, params
            low, high = _date(params["mindate"]), _date(params["maxdate"])
            records = [r for r in records if low <= _date(r["edat"]) <= high]
        start, size = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        answer = json.loads((FIXTURES / "esearch.json").read_text(encoding="utf-8"))
        page = [r["pmid"] for r in records[start : start + size]]
        answer["esearchresult"].update(
            count=str(len(records)),
            retmax=str(len(page)),
            retstart=str(start),
            idlist=page,
            querytranslation=search["querytranslation"],
        )
        return 200, "application/json; charset=UTF-8", json.dumps(answer).encode()

    def _efetch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        ids = [i for i in params.get("id", "").split(",") if i]
        if not ids:
            return 200, "text/xml; charset=UTF-8", (FIXTURES / "efetch_error.xml").read_bytes()
        body = b"".join(self.records[i] + b"\n" for i in ids if i in self.records)
        return (
            200,
            "text/xml; charset=UTF-8",
            _PROLOG + b"<PubmedArticleSet>\n" + body + b"</PubmedArticleSet>\n",
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._answer(urlsplit(self.path).query)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                self._answer(self.rfile.read(length).decode())

            def _answer(self, query: str) -> None:
                eutil = Path(urlsplit(self.path).path).stem
                params = {k: v[-1] for k, v in parse_qs(query).items()}
                with server._lock:
                    server.requests.append(Request(eutil, self.command, params, time.monotonic()))
                    over = len(server.requests) > server.max_requests
                    queue = server._faults.get(eutil)
                    fault = queue.pop(0) if queue else OK
                if over:
                    return self._send(503, "text/plain", b"replay server: too many requests")
                if eutil not in ("esearch", "efetch"):
                    return self._send(404, "text/plain", b"unknown E-utility")
                status, kind, body = (server._esearch if eutil == "esearch" else server._efetch)(params)
                if fault == 429:
                    return self._send(429, "application/json", (FIXTURES / "error_429.json").read_bytes())
                if fault == 400:
                    return self._send(400, "application/json", (FIXTURES / "error_400.json").read_bytes())
                if isinstance(fault, int):
                    return self._send(fault, "text/html", b"<html><body>Server error</body></html>")
                if fault == GARBLE:
                    body = body[: len(body) // 2]
                if fault == CUT:
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return None
                return self._send(status, kind, body)

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
