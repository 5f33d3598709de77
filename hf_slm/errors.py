"""The one error type for bad configuration: the CLI prints it as one line and exits 2."""


class ConfigError(ValueError):
    """A bad argument or config value, raised before any output is written.

    `field` names the offending option (e.g. ``--scale`` or ``train.ratio``); the message says what
    is allowed, so the user can fix it from the one line alone.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self):
        # A worker process raises it and the pool pickles it back: rebuild from (field, message),
        # not from the joined text, or the pool reports a BrokenProcessPool instead of the one line.
        return (type(self), (self.field, self.message))


def require(condition: bool, field: str, message: str) -> None:
    """Raise ConfigError(field, message) unless condition holds."""
    if not condition:
        raise ConfigError(field, message)


def choice(value, allowed, field: str):
    """Return value if it is one of `allowed`, else raise a ConfigError listing them."""
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(field, f"{value!r} is not one of {', '.join(map(str, allowed))}")
    return value
