"""kg.ingest.fetch against a local replay of NCBI E-utilities (tests/eutils_replay.py): never the network.

Every request goes to 127.0.0.1; the server answers a bounded number of requests and stops by
itself. Retries use no backoff (``RetryPolicy(backoff=0)``); Bio.Entrez's own rate limit still
spaces the requests (0.1 s with an API key, 0.37 s without).
"""

from __future__ import annotations

import fcntl
import json
import socket

import pytest
from Bio import Entrez
from hypothesis import given, settings
from hypothesis import strategies as st

import kg
from kg.errors import FetchError, KgError
from kg.ingest.fetch import (
    LOCK_NAME,
    MANIFEST_NAME,
    RetryPolicy,
    fetch,
    fetched_folders,
    read_manifest,
    update_fetched,
)
from tests.eutils_replay import CUT, GARBLE, OK, QUERY, ReplayServer, load_records, load_searches

KEY = "replay-test-key"
EMAIL = "kg-tests@example.org"
NO_WAIT = RetryPolicy(max_tries=3, backoff=0.0)
ALL = [r["pmid"] for r in load_searches()[QUERY]["records"]]  # newest first, as ESearch gives them


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def run(server, out, query=QUERY, **kwargs):
    options = {"api_key": KEY, "email": EMAIL, "base_url": server.url, "retry": NO_WAIT, **kwargs}
    return fetch(query, out, **options)


def pmids_read(folder) -> list[str]:
    docs, report = kg.read_documents(folder)
    assert not report.skipped, report.summary()  # the manifest is hidden: ingest does not try to read it
    return sorted(d.pmid for d in docs)


def test_pages_through_esearch_and_batches_efetch(server, tmp_path):
    result = run(server, tmp_path, batch_size=3, search_page=4)
    searches = server.calls("esearch")
    assert [(c.params["retstart"], c.params["retmax"]) for c in searches] == [
        ("0", "4"),
        ("4", "4"),
        ("8", "2"),
    ]
    assert [c.params["id"].split(",") for c in server.calls("efetch")] == [
        ALL[0:3],
        ALL[3:6],
        ALL[6:9],
        ALL[9:],
    ]
    assert result.found == 10 and result.new_pmids == tuple(ALL)
    assert result.cached_pmids == () and result.missing_pmids == ()
    assert [p.name for p in result.files] == [f"pubmed-0001-000{i}.xml" for i in range(1, 5)]
    assert all(c.params["db"] == "pubmed" for c in server.requests)
    assert {c.params["retmode"] for c in searches} == {"json"}


def test_written_files_read_back_as_the_right_documents(server, tmp_path):
    run(server, tmp_path, batch_size=4)
    docs, _ = kg.read_documents(tmp_path)
    by_pmid = {d.pmid: d for d in docs}
    assert sorted(by_pmid) == sorted(ALL)
    second = by_pmid["90000002"]
    assert second.title == "IL-6 induces STAT3 phosphorylation and gefitinib resistance (synthetic record)"
    assert second.abstract.startswith("BACKGROUND: Synthetic text: IL-6 is reported to activate STAT3.")
    assert second.year == 2017 and second.journal == "Journal of Synthetic Test Records"
    assert second.authors == ("Synthetic, Ada", "Record, Bo")
    records = load_records()
    for path in sorted(tmp_path.glob("pubmed-*.xml")):  # written as NCBI sent them
        body = path.read_bytes()
        assert body.startswith(b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet')
        assert sum(r in body for r in records.values()) == body.count(b"<PubmedArticle>")


def test_second_call_asks_efetch_only_for_new_pmids(server, tmp_path):
    run(server, tmp_path, batch_size=4)
    before = server.efetched()
    server.publish(QUERY, "90000011", "2025/01/02")  # records of the fixture that ESearch did not list yet
    server.publish(QUERY, "90000012", "2025/01/03")
    result = update_fetched(tmp_path, api_key=KEY, email=EMAIL, base_url=server.url, retry=NO_WAIT)
    assert server.efetched()[len(before) :] == ["90000012", "90000011"]
    assert result.new_pmids == ("90000012", "90000011") and result.cached_pmids == tuple(ALL)
    assert [p.name for p in result.files] == ["pubmed-0002-0001.xml"]
    assert pmids_read(tmp_path) == sorted([*ALL, "90000011", "90000012"])
    manifest = read_manifest(tmp_path)
    assert [(r.found, r.new) for r in manifest.runs] == [(10, 10), (12, 2)]
    assert len(manifest.pmids) == len(set(manifest.pmids)) == 12


def test_nothing_new_means_no_efetch_and_no_file(server, tmp_path):
    run(server, tmp_path)
    calls = len(server.calls("efetch"))
    files = sorted(tmp_path.iterdir())
    again = run(server, tmp_path)
    assert len(server.calls("efetch")) == calls
    assert again.new_pmids == () and again.files == () and again.cached_pmids == tuple(ALL)
    assert sorted(tmp_path.iterdir()) == files


@pytest.mark.parametrize("eutil", ["esearch", "efetch"])
@pytest.mark.parametrize(
    "faults",
    [(429,), (500,), (503,), (CUT,), (GARBLE,), (429, 502)],
    ids=["429", "500", "503", "cut-short", "garbled", "429-then-502"],
)
def test_transient_failures_are_retried_then_succeed(server, tmp_path, eutil, faults):
    server.fail(eutil, *faults)
    result = run(server, tmp_path)
    assert len(server.calls(eutil)) == len(faults) + 1
    assert result.new_pmids == tuple(ALL)
    assert pmids_read(tmp_path) == sorted(ALL)


@pytest.mark.parametrize(
    ("fault", "status", "said"),
    [
        (429, 429, "set NCBI_API_KEY"),
        (503, 503, "retry later"),
        (CUT, None, "IncompleteRead"),
        (GARBLE, None, "cut short or garbled"),
    ],
    ids=["429", "503", "cut-short", "garbled"],
)
def test_retries_exhausted_raise_a_fetch_error_that_says_the_fix(server, tmp_path, fault, status, said):
    server.fail("esearch", *[fault] * 5)
    with pytest.raises(FetchError) as caught:
        run(server, tmp_path)
    error = caught.value
    assert isinstance(error, KgError)
    assert len(server.calls("esearch")) == 3 and not server.calls("efetch")  # exactly max_tries, then stop
    assert error.eutil == "esearch" and error.status == status and len(error.attempts) == 3
    assert said in str(error) and "failed after 3 tries" in str(error) and server.url in str(error)
    assert not list(tmp_path.glob("pubmed-*.xml"))


def test_a_rejected_request_is_not_retried(server, tmp_path):
    server.fail("esearch", 400)
    with pytest.raises(FetchError, match=r"rejected the request \(HTTP 400: .*API key invalid"):
        run(server, tmp_path)
    assert len(server.requests) == 1


def test_an_unreachable_server_says_so(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="check the network connection, proxy and base URL"):
        fetch(
            QUERY,
            tmp_path,
            api_key=KEY,
            email=EMAIL,
            base_url=f"http://127.0.0.1:{port}/eutils",
            retry=RetryPolicy(max_tries=2, backoff=0.0),
        )


def test_an_interrupted_fetch_resumes_with_the_pmids_it_lacks(server, tmp_path):
    server.fail("efetch", OK, 503, 503, 503)
    with pytest.raises(FetchError, match="efetch"):
        run(server, tmp_path, batch_size=4)
    assert read_manifest(tmp_path).pmids == tuple(ALL[:4])  # the first batch is kept
    done = len(server.efetched())
    result = run(server, tmp_path, batch_size=4)
    assert server.efetched()[done:] == ALL[4:]
    assert result.cached_pmids == tuple(ALL[:4])
    assert pmids_read(tmp_path) == sorted(ALL)


def test_an_empty_result_writes_no_file_but_saves_the_query(server, tmp_path):
    result = run(server, tmp_path, query="no such topic xyzzy")
    assert result.found == 0 and result.new_pmids == () and result.files == ()
    assert not server.calls("efetch")
    assert read_manifest(tmp_path).saved.query == "no such topic xyzzy"
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME, LOCK_NAME]
    said = f"'no such topic xyzzy': 0 record(s) match; 0 new fetched into {tmp_path} (0 file(s)), 0 already there"
    assert result.summary() == said


@pytest.mark.parametrize(
    ("since", "sent"), [("2021", "2021"), ("2021-06", "2021/06"), ("2022/9/9", "2022/09/09")]
)
def test_since_maps_to_mindate_on_the_entrez_date(server, tmp_path, since, sent):
    result = run(server, tmp_path, since=since)
    params = server.calls("esearch")[0].params
    assert (params["datetype"], params["mindate"], params["maxdate"]) == ("edat", sent, "3000")
    edat = {r["pmid"]: r["edat"] for r in load_searches()[QUERY]["records"]}
    assert set(result.new_pmids) == {p for p in ALL if edat[p] >= sent}
    assert read_manifest(tmp_path).saved.since == sent


def test_update_reruns_the_saved_since_and_max(server, tmp_path):
    run(server, tmp_path, since="2020", max_records=3)
    update_fetched(tmp_path, api_key=KEY, email=EMAIL, base_url=server.url, retry=NO_WAIT)
    first, second = server.calls("esearch")
    assert first.params == second.params
    assert second.params["mindate"] == "2020" and second.params["retmax"] == "3"


def test_max_records_takes_the_first_n(server, tmp_path):
    result = run(server, tmp_path, max_records=4, batch_size=3)
    assert result.found == 10 and result.new_pmids == tuple(ALL[:4])
    assert server.calls("esearch")[0].params["retmax"] == "4"
    assert pmids_read(tmp_path) == sorted(ALL[:4])


def test_api_key_and_email_are_sent_with_every_request(server, tmp_path):
    run(server, tmp_path, batch_size=5)
    assert {
        (c.params.get("api_key"), c.params.get("email"), c.params.get("tool")) for c in server.requests
    } == {(KEY, EMAIL, "kg")}


def test_api_key_and_email_come_from_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "key-from-env")
    monkeypatch.setenv("NCBI_EMAIL", "env@example.org")
    fetch(QUERY, tmp_path, base_url=server.url, retry=NO_WAIT, max_records=2)
    assert {(c.params["api_key"], c.params["email"]) for c in server.requests} == {
        ("key-from-env", "env@example.org")
    }


def test_without_a_key_no_key_is_sent_and_requests_are_spaced_for_three_per_second(
    server, tmp_path, monkeypatch
):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    fetch(QUERY, tmp_path, email=EMAIL, base_url=server.url, retry=NO_WAIT, batch_size=4)
    assert all("api_key" not in c.params for c in server.requests)
    gaps = [b.at - a.at for a, b in zip(server.requests, server.requests[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.3  # Bio.Entrez waits 0.37 s between requests without a key


def test_bio_entrez_settings_are_put_back(server, tmp_path):
    tries, timeout = Entrez.max_tries, socket.getdefaulttimeout()
    server.fail("efetch", 500)
    run(server, tmp_path)
    assert (Entrez.max_tries, socket.getdefaulttimeout()) == (tries, timeout)


def test_efetch_leaving_out_a_record_reports_it_missing(server, tmp_path):
    server.publish(QUERY, "90000099", "2025/02/02")  # ESearch lists it, EFetch has no record for it
    result = run(server, tmp_path)
    assert result.missing_pmids == ("90000099",)
    assert "90000099" not in read_manifest(tmp_path).pmids


def test_a_batch_efetch_returns_nothing_of_writes_no_file(server, tmp_path):
    for pmid in ("90000097", "90000098", "90000099"):
        server.publish(QUERY, pmid, "2025/02/02")  # three PMIDs EFetch has no record for, first in the list
    result = run(server, tmp_path, batch_size=3, max_records=5)
    assert result.missing_pmids == ("90000099", "90000098", "90000097")
    assert result.new_pmids == tuple(ALL[:2]) and [p.name for p in result.files] == ["pubmed-0001-0002.xml"]
    assert sorted(p.name for p in tmp_path.glob("pubmed-*.xml")) == ["pubmed-0001-0002.xml"]


def test_files_of_an_interrupted_write_are_cleared_and_others_kept(server, tmp_path):
    run(server, tmp_path, max_records=2)
    (tmp_path / "pubmed-0001-0009.xml").write_bytes(b"<PubmedArticleSet>")  # written, never listed
    (tmp_path / "my-notes.txt").write_text("mine")
    run(server, tmp_path, max_records=3)
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == ["my-notes.txt", "pubmed-0001-0001.xml", "pubmed-0002-0001.xml"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_another_query_into_the_same_folder_is_refused(server, tmp_path):
    run(server, tmp_path, max_records=1)
    with pytest.raises(FetchError, match="holds the records of another query"):
        run(server, tmp_path, query="BRCA1")


def test_a_folder_another_fetch_is_writing_to_is_refused(server, tmp_path):
    with open(tmp_path / LOCK_NAME, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another kg fetch or update is writing to this folder"):
            run(server, tmp_path)
    assert server.requests == []  # the lock is taken before any request
    run(server, tmp_path, max_records=2)  # once released
    assert pmids_read(tmp_path) == sorted(ALL[:2])


def test_fetched_folders_are_those_with_a_saved_query(server, tmp_path):
    fetched, other = tmp_path / "fetched", tmp_path / "other"
    other.mkdir()
    run(server, fetched, max_records=1)
    assert fetched_folders([fetched, other, tmp_path / "missing"]) == [fetched]
    assert fetched_folders(str(fetched)) == [fetched]


def test_summary_says_what_was_fetched(server, tmp_path):
    server.publish(QUERY, "90000099", "2025/02/02")
    result = run(server, tmp_path, max_records=3)
    assert result.summary() == (
        f"{QUERY!r}: 11 record(s) match; 2 new fetched into {tmp_path} (1 file(s)), "
        "0 already there, 1 not returned by EFetch (asked again next time)"
    )


def test_update_of_a_folder_without_a_saved_query(tmp_path):
    with pytest.raises(FetchError, match="run `kg fetch QUERY --out"):
        update_fetched(tmp_path)


def test_a_damaged_manifest_names_the_file_and_the_fix(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"format": "other"}))
    with pytest.raises(FetchError, match=r"\.kg-fetch\.json: not a kg fetch manifest .*delete it"):
        update_fetched(tmp_path)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"query": "  "}, "give a PubMed query"),
        ({"max_records": 0}, "--max N"),
        ({"max_records": 20_000}, "--max N"),
        ({"batch_size": 0}, "batch_size"),
        ({"search_page": 10_001}, "search_page"),
        ({"since": "2021-13"}, "YYYY"),
        ({"since": "last week"}, "YYYY/MM/DD"),
        ({"datetype": "xdat"}, "edat"),
        ({"base_url": "ftp://x"}, "http(s)"),
        ({"email": "nobody"}, "e-mail"),
        ({"api_key": "two words"}, "API key"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_options_are_checked_before_any_request(server, tmp_path, options, said):
    with pytest.raises(FetchError, match=said.replace("(", r"\(").replace(")", r"\)")):
        run(server, tmp_path, **options)
    assert server.requests == []


def test_too_many_matches_for_esearch_say_how_to_narrow(server, tmp_path):
    server.searches[QUERY]["records"] = [
        {"pmid": str(40_000_000 + i), "edat": "2024/01/01"} for i in range(10_001)
    ]
    with pytest.raises(FetchError, match="at most the first 10,000; narrow it"):
        run(server, tmp_path)
    assert len(server.requests) == 1


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(first=st.integers(1, 10), appear=st.integers(0, 2), batch=st.integers(2, 6))
def test_repeated_fetches_never_ask_twice_and_hold_what_esearch_listed(
    tmp_path_factory, first, appear, batch
):
    """Invariant: over fetches with records appearing in between, EFetch is asked for each PMID once
    and the folder holds exactly the PMIDs ESearch listed."""
    out = tmp_path_factory.mktemp("fetched")
    with ReplayServer() as replay:
        run(replay, out, max_records=first, batch_size=batch)
        for pmid, day in [("90000011", "2025/01/02"), ("90000012", "2025/01/03")][:appear]:
            replay.publish(QUERY, pmid, day)
        run(replay, out, max_records=first + appear, batch_size=batch)
        asked = replay.efetched()
    listed = [r["pmid"] for r in replay.searches[QUERY]["records"]][: first + appear]
    assert len(asked) == len(set(asked)) and set(asked) == set(listed)
    assert pmids_read(out) == sorted(listed)


@given(
    retry=st.integers(1, 30),
    backoff=st.floats(0, 10),
    cap=st.floats(0, 100),
    after=st.none() | st.floats(0, 1000),
)
def test_retry_waits_are_bounded_and_grow(retry, backoff, cap, after):
    policy = RetryPolicy(max_tries=3, backoff=backoff, max_wait=cap)
    wait = policy.wait(retry, after)
    assert 0 <= wait <= cap
    if after is None:
        assert policy.wait(retry + 1) >= wait
