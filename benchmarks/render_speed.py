"""How long until the interactive page is drawn and usable: kg's page vs plain pyvis.

For synthetic schema-conformant graphs (tests/graphs.py; Barabási–Albert, ~3 edges per
node) of 500, 2,000 and 5,000 nodes, writes

* ``kg``        -- :func:`kg.render.page.write_html` with its defaults (``max_nodes=2000``),
* ``kg all``    -- the same with ``max_nodes=None`` (only when the graph is bigger),
* ``pyvis``     -- plain pyvis: ``Network(cdn_resources="in_line").from_nx(G)`` and
  ``write_html`` (pyvis's defaults otherwise: physics on, 1,000 stabilisation iterations),

then opens each file in headless Chromium (file://, every other request blocked and
counted) and measures, from navigation start:

* **ready**: the first frame vis-network draws with the final layout -- after
  ``stabilizationIterationsDone`` when physics stabilises first (pyvis), else the first
  ``afterDrawing`` (kg, positions precomputed, physics off);
* **frame**: the median time between animation frames right after that (about 17 ms
  when idle; more while physics is still running, i.e. how sluggish pan/zoom feels);
* **interactive** (kg pages): ``ready`` plus one search of a node the page does not draw
  (it comes from the whole-graph index), one ``kg.expand`` of it and the next frame: the time
  until the first question a reader asks is answered.

``--html PAGE...`` measures pages already written (e.g. ``kg build``'s graph.html) instead.

A page not ready within ``--timeout`` seconds (120) is reported as ``>120 s``.

Run::

    python benchmarks/render_speed.py                    # 500 2000 5000
    python benchmarks/render_speed.py --sizes 2000 --repeat 3
    python benchmarks/render_speed.py --html /tmp/a1k/graph.html

Needs /usr/bin/chromium (apt-get install chromium) and ``pip install playwright``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from graphs import CHROMIUM_ARGS, make_graph  # noqa: E402

# Injected before any page script: finds the vis.Network (kg: window.kgNetwork, pyvis:
# its global `network`) and records when the final layout is first drawn.
HOOK = """
window.__bench = {ready: null, stabilized: null};
(function poll() {
  var net = window.kgNetwork || window.network;
  if (net && net.on && net.physics) {
    var b = window.__bench;
    var mark = function () { if (b.ready === null) b.ready = performance.now(); };
    if (net.physics.ready) {
      net.once("afterDrawing", mark);
      net.redraw();
    } else {
      net.once("stabilizationIterationsDone", function () {
        b.stabilized = performance.now();
        net.once("afterDrawing", mark);
      });
    }
    return;
  }
  setTimeout(poll, 1);
})();
"""

# After ready: search the index's last node (not drawn when the graph is capped), expand it,
# wait a frame; returns ms taken (null on a page without kg.search).
INTERACT_PROBE = """
async () => {
  if (!window.kg || !kg.search) return null;
  const t0 = performance.now();
  const I = kg.data.index;
  const i = I.id.length - 1;
  const id = kg.search(I.label[i] || I.id[i]);
  if (id !== null) kg.expand(id);
  await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""

FRAME_PROBE = """
async () => {
  const gaps = [];
  let last = performance.now();
  for (let i = 0; i < 11; i++) {
    await new Promise(r => requestAnimationFrame(r));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }
  gaps.sort((a, b) => a - b);
  return gaps[5];
}
"""


def build(kind: str, n: int, path: str, seed: int) -> None:
    """Write one page (run in a child process so a slow build can be timed out)."""
    G = make_graph(n, seed=seed)
    if kind == "kg":
        from kg.render.page import write_html

        write_html(G, path)
    elif kind == "kg all":
        from kg.render.page import write_html

        write_html(G, path, max_nodes=None)
    else:
        from pyvis.network import Network

        net = Network(cdn_resources="in_line")
        net.from_nx(G.copy())  # from_nx writes a 'size' into the graph it is given
        net.write_html(path)


def timed_build(kind: str, n: int, path: Path, seed: int, timeout: float) -> float | None:
    ctx = mp.get_context("fork")
    proc = ctx.Process(target=build, args=(kind, n, str(path), seed))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return time.perf_counter() - t0 if proc.exitcode == 0 else None


def measure(context, path: Path, timeout: float) -> dict:
    page = context.new_page()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.add_init_script(HOOK)
    out: dict = {"ready": None, "frame": None, "drawn": None, "blocked": blocked}
    try:
        page.goto(path.as_uri(), wait_until="commit", timeout=timeout * 1000)
        page.wait_for_function(
            "() => window.__bench && window.__bench.ready !== null", timeout=timeout * 1000, polling=50
        )
        out["ready"] = page.evaluate("window.__bench.ready") / 1000
        out["frame"] = page.evaluate(FRAME_PROBE)
        out["drawn"] = page.evaluate(
            "() => { const n = window.kgNetwork || window.network; return [n.body.nodeIndices.length, n.body.edgeIndices.length]; }"
        )
        act = page.evaluate(INTERACT_PROBE)
        out["interactive"] = None if act is None else out["ready"] + act / 1000
    except Exception as exc:  # noqa: BLE001 - a timeout or a crashed page is a result here
        out["error"] = type(exc).__name__
    finally:
        page.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=1, help="page loads per variant (the median is shown)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-pyvis", action="store_true")
    ap.add_argument("--html", type=Path, nargs="+", help="measure these pages (no synthetic graphs)")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    rows = []
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(work / "profile"),
                executable_path=args.chromium,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": 1400, "height": 900},
            )
            for html in args.html or []:
                runs = [measure(context, html.resolve(), args.timeout) for _ in range(args.repeat)]
                row = {"n": 0, "kind": html.name[:6], "python": 0.0, "size": html.stat().st_size, **runs[-1]}
                rows.append(row)
                print(_fmt_row(row, args.timeout), flush=True)
            for n in [] if args.html else args.sizes:
                kinds = ["kg"] + (["kg all"] if n > 2000 else []) + ([] if args.skip_pyvis else ["pyvis"])
                for kind in kinds:
                    path = work / f"{kind.replace(' ', '_')}_{n}.html"
                    py_s = timed_build(kind, n, path, args.seed, args.timeout * 3)
                    row = {
                        "n": n,
                        "kind": kind,
                        "python": py_s,
                        "size": path.stat().st_size if path.exists() else 0,
                    }
                    if py_s is None:
                        row.update(ready=None, frame=None, drawn=None, blocked=[], error="build timeout")
                    else:
                        runs = [measure(context, path, args.timeout) for _ in range(args.repeat)]
                        ok = [r for r in runs if r["ready"] is not None]
                        row.update(runs[-1])
                        if ok:
                            row["ready"] = statistics.median(r["ready"] for r in ok)
                            row["frame"] = statistics.median(r["frame"] for r in ok)
                            acts = [r["interactive"] for r in ok if r.get("interactive") is not None]
                            row["interactive"] = statistics.median(acts) if acts else None
                    rows.append(row)
                    print(_fmt_row(row, args.timeout), flush=True)
            context.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(_table(rows, args.timeout))
    return 0


def _fmt_row(r: dict, timeout: float) -> str:
    ready = f"{r['ready']:.2f} s" if r.get("ready") is not None else f">{timeout:.0f} s"
    frame = f"{r['frame']:.0f} ms" if r.get("frame") is not None else "-"
    act = f"{r['interactive']:.2f} s" if r.get("interactive") is not None else "-"
    drawn = f"{r['drawn'][0]:,} / {r['drawn'][1]:,}" if r.get("drawn") else "-"
    py = f"{r['python']:.1f} s" if r.get("python") is not None else "timeout"
    return (
        f"| {r['n']:>5,} | {r['kind']:<6} | {drawn:>15} | {r['size'] / 1e6:>5.1f} MB | {py:>8} | {ready:>8} | "
        f"{act:>11} | {frame:>7} | {len(r.get('blocked') or []):>6} |" + (f" {r['error']}" if r.get("error") else "")
    )


def _table(rows: list[dict], timeout: float) -> str:
    head = (
        "| nodes | page   | drawn nodes/edges | file     | python   | ready    | interactive | frame   | remote |\n"
        "|------:|--------|------------------:|---------:|---------:|---------:|------------:|--------:|-------:|"
    )
    return "\n".join([head, *(_fmt_row(r, timeout) for r in rows)])


if __name__ == "__main__":
    raise SystemExit(main())
