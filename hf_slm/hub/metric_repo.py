"""An `evaluate` module laid out as evaluate's Hub repo (a Space), so `evaluate.load("ORG/name")` works.

evaluate fetches `spaces/ORG/name/resolve/main/name.py` (plus the files it imports relatively); the
Space also shows the module card (README.md with Space metadata) and, with the gradio SDK, the
widget that `evaluate.utils.launch_gradio_widget` builds.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.hub.templates import render

SDKS = ("gradio", "static")
# launch_gradio_widget in evaluate 0.4 uses the gradio 3 API (gr.inputs), hence the pin.
GRADIO_VERSION = "3.19.1"
# Import names whose distribution name differs, for requirements.txt.
_DIST = {"hf_slm": "hf-slm", "sklearn": "scikit-learn", "yaml": "pyyaml"}


def check_metric_folder(folder: Path, field: str = "--metrics") -> str:
    """The module name of an evaluate module folder (<name>/<name>.py), or a ConfigError."""
    name = folder.name
    if not (folder / f"{name}.py").is_file():
        raise ConfigError(field, f"{folder} has no {name}.py: an evaluate module folder is <name>/<name>.py")
    return name


def requirements(script: Path) -> list[str]:
    """Third-party packages the module imports (evaluate's own import scan), as pip names."""
    from evaluate.loading import get_imports

    names = {"evaluate"}
    for kind, module, _, _ in get_imports(str(script)):
        if kind != "library" or module in sys.stdlib_module_names:
            continue
        dists = importlib.metadata.packages_distributions().get(module)
        names.add(_DIST.get(module) or (dists[0] if dists else module))
    return sorted(names)


def metric_card(src: Path, name: str, sdk: str):
    """The module's README with the Space metadata evaluate's template adds (title, sdk, tags)."""
    from huggingface_hub import SpaceCard

    readme = src / "README.md"
    card = SpaceCard(readme.read_text(encoding="utf-8")) if readme.is_file() else SpaceCard(
        f"---\n---\n\n# {name}\n\nAn evaluate metric from hf-slm.\n")
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
    for py in sorted(src.glob("*.py")):
        shutil.copy2(py, dest / py.name)
    card = metric_card(src, name, sdk)
    (dest / "README.md").write_text(str(card), encoding="utf-8")
    if sdk == "gradio":
        (dest / "app.py").write_text(render("metric_app.py.j2", templates, repo_id=repo_id), encoding="utf-8")
    else:
        (dest / "index.html").write_text(render("metric_index.html.j2", templates, repo_id=repo_id, name=name,
                                                description=card.data.get("description") or ""),
                                         encoding="utf-8")
    (dest / "requirements.txt").write_text("\n".join(requirements(src / f"{name}.py")) + "\n", encoding="utf-8")
