"""The `hf-slm` command line: one subcommand group per stage, each in its own module here.

A stage module defines `register(subparsers)` that adds its parser(s) and sets `func` to a handler
taking the parsed `argparse.Namespace`. Handlers import heavy libraries lazily, so
`hf-slm --help` stays fast.
"""
