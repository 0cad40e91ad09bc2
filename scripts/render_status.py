"""Render the weekly status comment of the SVSM example and take a screenshot of it.

The items come from `examples/svsm-2024-12-18.md`, extracted in-process (no GitHub): one
issue per item, opened after the meeting, with the review of the user space support PR
done since the last report. The comment is rendered to HTML the way GitHub shows it
(markdown-it-py with tables; the Mermaid block drawn by mermaid's browser bundle) and
photographed by headless Chromium.

Needs `chromium` (`apt-get install -y chromium`); with `--chart pie` also npm: mermaid is
installed from the npm registry into a temporary folder unless `--mermaid` names its
`mermaid.min.js`.

    python scripts/render_status.py /tmp/status.png
    python scripts/render_status.py /tmp/status.png --chart pie --html /tmp/status.html \\
        --mermaid /tmp/m/node_modules/mermaid/dist/mermaid.min.js

The PNG (and the HTML, when asked for) go where the command line says; keep them out of
the repository.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from bot.compat import UTC
from bot.minutes.extract import extract_minutes
from bot.minutes.model import ActionItem, Person
from bot.minutes.people import Roster
from bot.tracker.status import (
    CHARTS,
    ItemState,
    StatusLook,
    TrackedItem,
    WeeklySchedule,
    render_status,
)

ROOT = Path(__file__).resolve().parent.parent
SVSM = ROOT / "examples" / "svsm-2024-12-18.md"
REPO_URL = "https://github.com/coconut-svsm/svsm"
PEOPLE = (
    Person("Joerg Roedel", "joergroedel"),
    Person("Peter Fang", "peterfang"),
    Person("Jon Lange", "jlange"),
    Person("Adam Dunlap", "AdamDunlap"),
    Person("Vijay Dhanraj", "vijay-dhanraj"),
    Person("Stefano Garzarella", "stefano-garzarella"),
)
MEETING_DAY = date(2024, 12, 18)
OPENED = datetime.combine(MEETING_DAY, time(17), tzinfo=UTC)
NOW = datetime(2025, 2, 3, 9, tzinfo=UTC)  # a Monday report, after the first due date
LAST_REPORT = NOW - timedelta(days=7)
FIRST_ISSUE = 12
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1000,1400",
    # Give mermaid time to draw before the picture is taken.
    "--virtual-time-budget=10000",
)
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Weekly status</title>
<style>
body {{ font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; margin: 0; padding: 24px; background: #fff; }}
.comment {{ border: 1px solid #d1d9e0; border-radius: 6px; max-width: 900px; }}
.header {{ background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
          color: #59636e; border-radius: 6px 6px 0 0; }}
.header b {{ color: #1f2328; }}
.markdown-body {{ padding: 16px; }}
h2 {{ font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }}
h3 {{ font-size: 1.25em; margin: 24px 0 16px; }}
a {{ color: #0969da; text-decoration: none; }}
code {{ background: rgba(129,139,152,.12); padding: .2em .4em; border-radius: 6px;
        font-size: 85%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }}
ul {{ padding-left: 2em; }}
pre.mermaid {{ background: #fff; text-align: center; }}
</style>
<script src="{mermaid}"></script>
<script>mermaid.initialize({{startOnLoad: true, theme: "default"}});</script>
</head><body>
<div class="comment"><div class="header"><b>minutes-bot</b> bot commented</div>
<div class="markdown-body">
{body}
</div></div>
</body></html>
"""


def svsm_items() -> list[TrackedItem]:
    """Return the SVSM example's items as issues some weeks after the meeting."""
    minutes = extract_minutes(
        SVSM.read_text(encoding="utf-8"),
        path="meetings/2024-12-18.md",
        people=Roster.from_people(PEOPLE),
    )
    return [tracked(item, FIRST_ISSUE + index) for index, item in enumerate(minutes.items)]


def tracked(item: ActionItem, number: int) -> TrackedItem:
    """Show one extracted item as its issue; the PR review was done last week."""
    reviewed = "user space support PR" in item.title
    return TrackedItem(
        number=number,
        title=item.title,
        url=f"{REPO_URL}/issues/{number}",
        owners=tuple(f"@{login}" for login in item.logins) or item.owners,
        state=ItemState.CLOSED if reviewed else ItemState.OPEN,
        state_reason="completed" if reviewed else None,
        created_at=OPENED,
        closed_at=datetime(2025, 1, 29, 14, tzinfo=UTC) if reviewed else None,
        due=item.due,
        meeting=MEETING_DAY.isoformat(),
    )


def status_comment(chart: str = "none") -> str:
    """Render the report the bot would post on Monday 2025-02-03."""
    report = render_status(svsm_items(), NOW, WeeklySchedule(), LAST_REPORT, StatusLook(chart))
    assert report is not None
    return report


class GitHubRenderer(RendererHTML):
    """Render Markdown as GitHub shows a comment: Mermaid fences become charts."""

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return super().fence(tokens, idx, options, env)


def to_html(markdown: str, mermaid_js: Path | None) -> str:
    """Render the comment into a page that loads mermaid from `mermaid_js`, if it has a chart."""
    renderer = MarkdownIt("commonmark", {"html": True}, renderer_cls=GitHubRenderer)
    renderer.enable(["table", "strikethrough"])
    mermaid = mermaid_js.as_uri() if mermaid_js else "about:blank"
    return PAGE.format(mermaid=mermaid, body=renderer.render(markdown))


def install_mermaid(folder: Path) -> Path:
    """Install mermaid from the npm registry into `folder`; return its browser bundle."""
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), "mermaid"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


def screenshot(page: Path, png: Path, profile: Path) -> None:
    """Photograph `page` with headless Chromium into `png`."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("render_status: chromium is not installed (apt-get install -y chromium)")
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("png", type=Path, help="where to write the screenshot")
    parser.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    parser.add_argument("--mermaid", type=Path, help="mermaid.min.js to use instead of npm")
    parser.add_argument("--markdown", action="store_true", help="print the comment's Markdown")
    parser.add_argument("--chart", choices=CHARTS, default="none", help="status.chart to render")
    args = parser.parse_args(argv)
    comment = status_comment(args.chart)
    if args.markdown:
        print(comment, end="")
    with tempfile.TemporaryDirectory(prefix="render-status-") as temp:
        folder = Path(temp)
        mermaid_js = None
        if "```mermaid" in comment:
            mermaid_js = (args.mermaid or install_mermaid(folder / "npm")).resolve()
        page = args.html or folder / "status.html"
        page.write_text(to_html(comment, mermaid_js), encoding="utf-8")
        screenshot(page.resolve(), args.png.resolve(), folder / "profile")
    print(f"wrote {args.png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
