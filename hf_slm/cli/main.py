"""Entry point of `hf-slm`: finds the stage modules, parses, and turns errors into one line.

ConfigError (bad configuration) → exit 2; OSError (read-only folder, full disk, missing file at
run time) → exit 1. Both print one line naming what failed instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import hf_slm
import hf_slm.cli
from hf_slm.errors import ConfigError

_NOT_STAGES = {"main", "common"}


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default in --help, but not for required options or unset (None/False) flags."""

    def _get_help_string(self, action):
        if action.required or action.default in (None, False, argparse.SUPPRESS):
            return action.help
        return super()._get_help_string(action)


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (the field and what is allowed), exit code 2, defaults in --help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

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
    except OSError as e:  # the disk, not the configuration: say which file and why, in one line
        where = f" {e.filename}" if e.filename else ""
        sys.stderr.write(f"hf-slm: error:{where}: {e.strerror or e} (errno {e.errno})\n")
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
