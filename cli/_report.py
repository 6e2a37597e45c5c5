"""`toxaudit report`: one self-contained HTML report, or a Markdown model-card section."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli._trackers import add_tracker_arguments, check_trackers, log_to_trackers


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "report",
        help="write an HTML report (or a Markdown model-card section) of a run",
        description="One self-contained HTML file (Plotly inlined, opens offline): the 13-group "
        "chart with 95%% intervals, the group table, the paired differences against each "
        "--baseline with the gate's rule, provenance and the method. --format markdown writes "
        "a model-card section and a PNG of the chart beside it instead.",
    )
    p.add_argument("results", type=Path, help="a results.json, or a `toxaudit run` directory")
    p.add_argument(
        "--baseline",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="RESULTS",
        help="results.json files or run directories to compare with; both runs' "
        "perplexities.json are needed",
    )
    p.add_argument("--output", type=Path, required=True, help="report.html, or card.md")
    p.add_argument(
        "--format",
        choices=["html", "markdown"],
        default="html",
        help="html (default), or markdown: a table plus OUTPUT with .png beside it",
    )
    p.add_argument("--step", type=int, help="training step of the checkpoint, when known")
    add_tracker_arguments(p)
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from reports import load_report, write_html, write_markdown

    check_trackers(args)
    report = load_report(args.results, args.baseline, step=args.step)
    artifacts = [Path(report.run.source)]
    if args.format == "markdown":
        png = write_markdown(report, args.output)
        print(f"wrote {args.output} and {png}", file=sys.stderr)
        artifacts += [args.output, png]
    else:
        write_html(report, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
        artifacts.append(args.output)
    log_to_trackers(args, report.run.result, step=args.step, artifacts=artifacts)
    return 0
