"""The one place modes are registered and looked up by name (run.json's and --mode's `mode`)."""

from __future__ import annotations

from hf_slm.errors import ConfigError
from hf_slm.modes.base import Mode

DEFAULT_MODE = "speech"  # a dataset whose meta.json names no mode holds units
_MODES: dict[str, Mode] = {}


def register(mode: Mode, replace: bool = False) -> Mode:
    """Make `mode` known by its name; registering a taken name is a programming error."""
    if not isinstance(mode, Mode):
        raise TypeError(f"register() takes a hf_slm.modes.Mode, not {type(mode).__name__}")
    if mode.name in _MODES and not replace:
        raise ValueError(f"a mode named {mode.name!r} is already registered (pass replace=True)")
    _MODES[mode.name] = mode
    return mode


def unregister(name: str) -> None:
    """Forget a mode (a test's or plugin's own; the built-in ones stay unless asked)."""
    _MODES.pop(name, None)


def get(name: str, field: str = "--mode") -> Mode:
    if name not in _MODES:
        raise ConfigError(field, f"{name!r} is not a known mode; known: {', '.join(names())}")
    return _MODES[name]


def names() -> tuple[str, ...]:
    return tuple(_MODES)
