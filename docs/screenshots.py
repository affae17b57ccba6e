"""Remake the page screenshots in docs/ (headless Chromium, 1400 x 900, every remote request blocked).

    python docs/screenshots.py                      # seeds only (kg.build("seeds/"))
    head -1000 ../shared/corpora/abstracts/pubmed-abstracts-6k.jsonl > /tmp/a1k.jsonl
    kg build /tmp/a1k.jsonl --out /tmp/a1k
    python docs/screenshots.py --a1k /tmp/a1k       # and the 1,000-abstract pages

Needs /usr/bin/chromium and playwright (as tests/test_browser.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from graphs import CHROMIUM_ARGS  # noqa: E402

import kg  # noqa: E402

LOCAL = ("file:", "data:", "about:", "blob:")


def shoot(browser, html: Path, png: Path, script: str | None = None) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
    page.goto(html.resolve().as_uri())
    page.wait_for_function("() => window.kg && window.kg.ready === true", timeout=60_000)
    if script:
        page.evaluate(script)
        page.wait_for_timeout(2500)
    page.wait_for_timeout(300)
    page.screenshot(path=str(png))
    page.close()
    print(png, png.stat().st_size, "bytes")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a1k", type=Path, help="output folder of kg build on 1,000 abstracts")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="kg-shots-"))
    seeds = work / "seeds.html"
    kg.build(ROOT / "seeds", progress=False).to_html(seeds, title="kg: seed abstracts")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        shoot(browser, seeds, ROOT / "docs" / "seeds-graph.png")
        shoot(browser, seeds, ROOT / "docs" / "seeds-stat3.png", "kg.search('STAT3')")
        if args.a1k:
            a1k = work / "a1k.html"
            kg.load(args.a1k).to_html(a1k, title="kg: 1,000 PubMed abstracts")
            shoot(browser, a1k, ROOT / "docs" / "abstracts-1k.png")
            shoot(browser, a1k, ROOT / "docs" / "abstracts-1k-community.png",
                  "kg.openCommunity(0); setTimeout(() => kg.search(kg.data.communities[0].nodes[0]), 500)")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
