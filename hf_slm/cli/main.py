"""Entry point of `hf-slm`: finds the stage modules, parses, and turns ConfigError into exit 2."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import hf_slm
import hf_slm.cli
from hf_slm.errors import ConfigError

_NOT_STAGES = {"main", "common"}


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (the field and what is allowed) and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"hf-slm: error: {message} (see `{self.prog} --help`)\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="hf-slm", description=hf_slm.__doc__)
    parser.add_argument("--version", action="version", version=f"hf-slm {hf_slm.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for info in sorted(pkgutil.iter_modules(hf_slm.cli.__path__), key=lambda m: m.name):
        if info.name in _NOT_STAGES:
            continue
        module = importlib.import_module(f"hf_slm.cli.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except ConfigError as e:
        sys.stderr.write(f"hf-slm: error: {e}\n")
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
