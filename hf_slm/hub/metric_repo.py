"""An `evaluate` module laid out as evaluate's Hub repo (a Space), so `evaluate.load("ORG/name")` works.

evaluate fetches `spaces/ORG/name/resolve/main/name.py` (plus the files it imports relatively: the
module folders hold symlinks to hf-slm's metrics.py and metric_module.py, copied here as plain
files, so the repo needs no hf-slm); the Space also shows the module card (README.md with Space
metadata) and, with the gradio SDK, a widget (app.py) that scores a table of pairs.
"""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
import sys
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.hub.templates import render

SDKS = ("gradio", "static")
# The gradio app.py (templates/metric_app.py.j2) was run with, widget queried over its API; evaluate's
# own launch_gradio_widget needs gradio 3, whose pages fail with today's starlette.
GRADIO_VERSION = "6.31.0"
# Import names whose distribution name differs, for requirements.txt.
_DIST = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
# Imported only to score with `model_id`, and not on any index: the module says how to install it.
_OPTIONAL = {"hf_slm"}


def check_metric_folder(folder: Path, field: str = "--metrics") -> str:
    """The module name of an evaluate module folder (<name>/<name>.py), or a ConfigError."""
    name = folder.name
    if not (folder / f"{name}.py").is_file():
        raise ConfigError(field, f"{folder} has no {name}.py: an evaluate module folder is <name>/<name>.py")
    broken = [py.name for py in sorted(folder.glob("*.py")) if not py.exists()]
    if broken:  # a symlink whose target did not come along (the folder was copied without -L)
        raise ConfigError(field, f"{folder}: {', '.join(broken)} point to missing files; copy the folder "
                                 f"with its links resolved (cp -rL)")
    return name


def imported_packages(script: Path) -> set[str]:
    """Top-level packages the module imports (absolute imports only; relative ones ship beside it)."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__"}


def requirements(scripts: list[Path]) -> list[str]:
    """requirements.txt of the Space: evaluate plus every third-party package the shipped files import.

    The Space SDK installs gradio itself (README `sdk_version`), so it is not listed here.
    """
    dists = importlib.metadata.packages_distributions()
    out = {"evaluate"}
    for module in set().union(*map(imported_packages, scripts)) - _OPTIONAL:
        out.add(_DIST.get(module) or (dists[module][0] if dists.get(module) else module))
    return sorted(out)


def widget_config(script: Path) -> str | None:
    """The config the Space's widget loads: the first of the module's `CONFIGS`, if it has any."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CONFIGS"
                                                 for t in node.targets)):
            configs = ast.literal_eval(node.value)
            return str(configs[0]) if configs else None
    return None


def metric_card(src: Path, name: str, sdk: str):
    """The module's README with the Space metadata evaluate's template adds (title, sdk, tags)."""
    from huggingface_hub import SpaceCard, SpaceCardData

    readme = src / "README.md"
    if readme.is_file():
        card = SpaceCard(readme.read_text(encoding="utf-8"))
    else:  # no card yet: the module's docstring says what it measures
        doc = ast.get_docstring(ast.parse((src / f"{name}.py").read_text(encoding="utf-8"))) or ""
        card = SpaceCard(f"---\n{SpaceCardData(title=name).to_yaml()}\n---\n\n# {name}\n\n{doc}\n\n"
                         f"An `evaluate` module from hf-slm.\n")
    data = card.data
    data.title = data.get("title") or name
    data.sdk = sdk
    if sdk == "gradio":
        data.sdk_version, data.app_file = GRADIO_VERSION, "app.py"
    data.tags = sorted(set(data.get("tags") or []) | {"evaluate", "metric", "hf-slm"})
    data.pinned = False
    return card


def layout_metric(src: Path, dest: Path, *, repo_id: str, sdk: str = "gradio",
                  templates: str | Path | None = None) -> None:
    """Write the Space folder for the module in `src` into `dest` (which must not exist yet)."""
    name = check_metric_folder(src)
    dest.mkdir(parents=True)
    shipped = []
    for py in sorted(src.glob("*.py")):
        shutil.copy2(py, dest / py.name)  # follows symlinks: the repo holds the files themselves
        shipped.append(dest / py.name)
    card = metric_card(src, name, sdk)
    (dest / "README.md").write_text(str(card), encoding="utf-8")
    config_name = widget_config(src / f"{name}.py")
    if sdk == "gradio":
        (dest / "app.py").write_text(render("metric_app.py.j2", templates, repo_id=repo_id,
                                            config_name=config_name), encoding="utf-8")
    else:
        (dest / "index.html").write_text(render("metric_index.html.j2", templates, repo_id=repo_id, name=name,
                                                config_name=config_name,
                                                description=card.data.get("description") or ""),
                                         encoding="utf-8")
    (dest / "requirements.txt").write_text("\n".join(requirements(shipped)) + "\n", encoding="utf-8")
