"""`hf-slm publish`: lay out models, datasets, laws and metrics as Hub repos with cards; push on request.

Dry run by default: HUBDIR gets one folder per repository (exactly what would be uploaded) and the
plan is printed; nothing leaves the machine until `--push ORG`.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("publish", help="lay out (and with --push, upload) Hub repos with cards",
                              description=__doc__)
    p.add_argument("--runs", required=True, help="folder of checkpoint folders (each with run.json)")
    p.add_argument("--laws", required=True, help="folder with scaling_laws.json and its plots")
    p.add_argument("--datasets", nargs="+", default=[], metavar="DIR", help="unit dataset folders to publish")
    p.add_argument("--metrics", help="evaluate modules: a folder of <name>/<name>.py (e.g. evaluation/metrics)")
    p.add_argument("--out", required=True, help="HUBDIR: models/<name>, datasets/<name>, laws, metrics/<name>")
    p.add_argument("--push", metavar="ORG", help="upload to this user or organization (token: HF_TOKEN or login)")
    p.add_argument("--org", help="name repos ORG/<name> in the cards without pushing (default: --push)")
    p.add_argument("--private", action="store_true", help="create private repos and collection")
    p.add_argument("--laws-name", default="slm-scaling-laws", help="repo name of the laws")
    p.add_argument("--collection", default="hf-slm scaling study", help="collection title")
    p.add_argument("--metric-sdk", default="gradio", choices=("gradio", "static"),
                   help="Space SDK of the metric repos (gradio shows evaluate's widget)")
    p.add_argument("--license", default="apache-2.0", help="license of the model and laws repos")
    p.add_argument("--templates", help="folder of card templates overriding the packaged ones (e.g. hub_cards/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hf_slm.cli.common import existing_path
    from hf_slm.hub.publish import publish
    from hf_slm.hub.push import PublishError

    if args.templates:
        existing_path(args.templates, "--templates")
    try:
        publish(args.runs, args.laws, args.out, datasets=args.datasets, metrics=args.metrics, org=args.org,
                push_to=args.push, private=args.private, laws_name=args.laws_name,
                metric_sdk=args.metric_sdk, license=args.license, templates=args.templates,
                collection_title=args.collection)
    except PublishError as e:
        sys.stderr.write(f"hf-slm: publish failed: {e}\n")
        return 1
    return 0
