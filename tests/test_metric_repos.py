"""The metric modules and their Space repos load with `evaluate.load` where hf-slm is not installed.

Each module folder ships hf-slm's metric arithmetic as symlinks to its one source file, and the
Space gets plain copies. A subprocess that cannot import hf_slm (`python -S`: no site hook, so the
editable install is invisible; site-packages on PYTHONPATH) loads every folder, loads each laid-out
repo by its id from a stand-in Hub (`evaluate.load("acme/sblimp")`, HF_ENDPOINT on 127.0.0.1),
scores under each protocol, and runs each Space's app.py; the figures are checked against pairs
counted by hand and against hf-slm's own aggregation of the same scores.
"""

import ast
import http.server
import importlib.metadata
import json
import os
import re
import shutil
import site
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from hf_slm.errors import ConfigError
from hf_slm.hub.metric_repo import check_metric_folder, layout_metric
from hf_slm.scoring.aggregate import headline_figure, protocol_outcomes
from hf_slm.scoring.metric_module import NEEDS_HF_SLM
from hf_slm.scoring.metrics import pair_metrics
from hf_slm.scoring.protocol import PROTOCOLS
from tests.conftest import REPO

METRICS = REPO / "evaluation" / "metrics"
NAMES = ("sblimp", "spoken_cloze", "swuggy")
SOURCES = {f: REPO / "hf_slm" / "scoring" / f
           for f in ("metrics.py", "metric_module.py", "protocol.py", "aggregate.py")}
CONFIG = {"spoken_cloze": "sSC_multispeaker"}  # the config needing voices and items
CLOZE = {"spoken_cloze"}  # cm2024 counts a StoryCloze tie as wrong
PHENOMENA = {"sblimp"}  # groups a macro protocol averages over (elsewhere only a per-group table)
N_BOOT = 200

# Runs without hf_slm: loads each folder, scores (the small example under every protocol), tries
# model_id, runs each app.py with evaluate.load pointed at the local repo and scores the app's
# example table through it under each protocol its picker offers.
DRIVER = r"""
import json, runpy, sys, types
import pandas
spec = json.load(sys.stdin)
out = {"hf_slm_importable": True, "scores": {}, "protocols": {}, "model_id": {}, "apps": {}}
try:
    import hf_slm  # noqa: F401
except ImportError:
    out["hf_slm_importable"] = False
import evaluate

real_load = evaluate.load
for label, (path, config) in spec["folders"].items():  # a folder path, or a Space id on the Hub
    m = real_load(path, config)
    out["scores"][label] = m.compute(**spec["inputs"], n_boot=spec["n_boot"])
    for protocol in spec["protocols"]:
        r = m.compute(**spec["small"], protocol=protocol, n_boot=spec["n_boot"])
        out["protocols"][f"{label}/{protocol}"] = {k: r[k] for k in ("score", "score_ci", "headline",
                                                                    "protocol", "n_units", "accuracy")}
    try:
        m.compute(model_id="some/model", positive=[[1, 2]], negative=[[2, 1]])
    except ImportError as e:
        out["model_id"][label] = {"message": str(e), "chained": e.__cause__ is not None
                                  or (e.__context__ is not None and not e.__suppress_context__)}
# The widget's own logic, with a stand-in for gradio (not installed here; the Space installs it).
class Part:
    def __init__(self, *args, **kwargs):
        self.kwargs = kwargs
gradio = types.ModuleType("gradio")
gradio.Interface = gradio.Dataframe = gradio.Dropdown = gradio.JSON = Part
gradio.Error = type("Error", (Exception,), {})
sys.modules["gradio"] = gradio
for label, (app, repo_id, folder) in spec["apps"].items():
    evaluate.load = lambda path, *a, **k: real_load(folder if path == repo_id else path, *a, **k)
    sys.path.insert(0, folder)  # as `python app.py` in the Space puts the app's folder first
    app_ns = runpy.run_path(app, run_name="space_app")
    sys.path.remove(folder)
    sys.modules.pop("protocol", None)
    rows = app_ns["EXAMPLE"] + [[None, None, ""]]  # a blank row, as the table widget sends one
    table = pandas.DataFrame(rows, columns=app_ns["COLUMNS"])
    picker = app_ns["demo"].kwargs["inputs"][1].kwargs
    out["apps"][label] = {"config": app_ns["module"].config_name, "class": type(app_ns["module"]).__name__,
                          "choices": picker["choices"], "default": picker["value"]}
    for protocol in picker["choices"]:
        result = app_ns["demo"].kwargs["fn"](table, protocol)
        out["apps"][label][protocol] = {"score": result["score"], "n": result["n"], "protocol": result["protocol"]}
print(json.dumps(out))
"""


def inputs(seed=0, n=48):
    """Scores rounded to one decimal (so some pairs tie), three phenomena of unequal size, two voices."""
    rng = np.random.default_rng(seed)
    pos, neg = np.round(rng.normal(size=n), 1), np.round(rng.normal(size=n), 1)
    neg[:5] = pos[:5]
    return {"positive_scores": pos.tolist(), "negative_scores": neg.tolist(),
            "groups": ["agr"] * 24 + ["npi"] * 16 + ["isl"] * 8,
            "voices": [f"v{i % 2}" for i in range(n)], "items": [f"s{i // 2}" for i in range(n)]}


def by_hand(x):
    """Accuracy, ties, macro accuracy over groups and voice accuracy, counted pair by pair."""
    outcome = [1.0 if p > q else 0.0 if p < q else 0.5
               for p, q in zip(x["positive_scores"], x["negative_scores"])]
    per_group, worst = {}, {}
    for o, g, item in zip(outcome, x["groups"], x["items"]):
        per_group.setdefault(g, []).append(o)
        worst[item] = min(worst.get(item, 1.0), o)
    return {"accuracy": sum(outcome) / len(outcome), "ties": outcome.count(0.5),
            "macro_accuracy": sum(sum(v) / len(v) for v in per_group.values()) / len(per_group),
            "voice_accuracy": sum(worst.values()) / len(worst)}


def headline_by_hand(x, protocol, cloze=False, phenomena=False):
    """The protocol's headline from its table (hf_slm.scoring.protocol), counted item by item."""
    tie = 0.0 if cloze and protocol == "cm2024" else 0.5
    outcome = [1.0 if p > q else 0.0 if p < q else tie
               for p, q in zip(x["positive_scores"], x["negative_scores"])]
    if protocol == "sims":  # every voiced pair counts once, all pairs together
        return sum(outcome) / len(outcome)
    groups = x["groups"] if phenomena else ["all"] * len(outcome)
    voicings = {}  # item → (its group, its voicings' outcomes)
    for o, g, item in zip(outcome, groups, x["items"]):
        voicings.setdefault(item, (g, []))[1].append(o)
    means = [(g, sum(v) / len(v)) for g, v in voicings.values()]
    if protocol == "zerospeech":  # mean over pairs of their mean over voices
        return sum(m for _, m in means) / len(means)
    per_group = {}  # cm2024: then the mean per phenomenon, then over phenomena
    for g, m in means:
        per_group.setdefault(g, []).append(m)
    return sum(sum(v) / len(v) for v in per_group.values()) / len(per_group)


# 3 items with a tie (item a) and unequal voicings (c has three): here the three protocols disagree
# (with equal voicings per item, "each voicing" and "voices averaged first" give the same mean).
SMALL = {"positive_scores": [-1.0, -1.5, -3.0, -2.0, -1.0, -0.2, -5.0],
         "negative_scores": [-2.0, -1.5, -1.0, -0.5, -4.0, -0.3, -4.0],
         "groups": ["g1", "g1", "g1", "g1", "g2", "g2", "g2"],
         "voices": ["v0", "v1", "v0", "v1", "v0", "v1", "v2"],
         "items": ["a", "a", "b", "b", "c", "c", "c"]}
# Outcomes a: 1, tie; b: 0, 0; c: 1, 1, 0. Written out from the protocol table:
SMALL_EXPECTED = {
    # cm2024: phenomena g1 = (0.75 + 0) / 2, g2 = 2/3; sims: 3.5 of 7 voicings; zerospeech: (0.75 + 0 + 2/3) / 3
    "sblimp": {"cm2024": (0.375 + 2 / 3) / 2, "sims": 0.5, "zerospeech": (0.75 + 2 / 3) / 3},
    # groups are only a table here: cm2024 = mean over items, as zerospeech
    "swuggy": {"cm2024": (0.75 + 2 / 3) / 3, "sims": 0.5, "zerospeech": (0.75 + 2 / 3) / 3},
    # cm2024 counts the cloze tie as wrong: a = 0.5
    "spoken_cloze": {"cm2024": (0.5 + 2 / 3) / 3, "sims": 0.5, "zerospeech": (0.75 + 2 / 3) / 3},
}
HEADLINE = {"cm2024": "macro_accuracy", "sims": "accuracy", "zerospeech": "pair_accuracy"}


class SpaceFiles(http.server.BaseHTTPRequestHandler):
    """`/spaces/acme/<name>/resolve/main/<file>` from the laid-out repos; other revisions 404, as on
    the Hub for a Space without evaluate's version tags (evaluate then falls back to main)."""

    root: Path = None
    asked: list = []

    def do_HEAD(self, body=False):
        self.asked.append(self.path)
        m = re.fullmatch(r"/spaces/acme/([\w-]+)/resolve/main/([\w.-]+)", self.path)
        file = self.root / m[1] / m[2] if m else None
        if file is None or not file.is_file():
            self.send_response(404)
            self.end_headers()
            return
        data = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", f'"{hash(data)}"')
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self):
        self.do_HEAD(body=True)

    def log_message(self, *args):
        pass


def run_without_hf_slm(spec, workdir, endpoint):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and "proxy" not in k.lower()}
    env.update(PYTHONPATH=os.pathsep.join(site.getsitepackages()), HF_HOME=str(workdir / "hf"),
               HF_MODULES_CACHE=str(workdir / "modules"), HF_ENDPOINT=endpoint, NO_PROXY="127.0.0.1",
               # evaluate's own switch lets it reach the stand-in; the other libraries stay offline
               HF_EVALUATE_OFFLINE="0", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-S", "-c", DRIVER], input=json.dumps(spec), cwd=workdir,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    """Each module laid out as its Space repo, as `hf-slm publish` writes it."""
    root = tmp_path_factory.mktemp("repos")
    for name in NAMES:
        layout_metric(METRICS / name, root / name, repo_id=f"acme/{name}")
    return root


@pytest.fixture(scope="module")
def hub(repos):
    handler = type("Handler", (SpaceFiles,), {"root": repos, "asked": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.asked
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def loaded(repos, hub, tmp_path_factory):
    work = tmp_path_factory.mktemp("clean")
    folders = {}
    for name in NAMES:
        folders[f"source/{name}"] = [str(METRICS / name), CONFIG.get(name)]
        folders[f"repo/{name}"] = [str(repos / name), CONFIG.get(name)]
        folders[f"hub/{name}"] = [f"acme/{name}", CONFIG.get(name)]
    apps = {name: [str(repos / name / "app.py"), f"acme/{name}", str(repos / name)] for name in NAMES}
    spec = {"folders": folders, "apps": apps, "inputs": inputs(), "n_boot": N_BOOT, "small": SMALL,
            "protocols": list(PROTOCOLS)}
    return run_without_hf_slm(spec, work, hub[0])


def test_the_subprocess_really_lacks_hf_slm(loaded):
    assert loaded["hf_slm_importable"] is False


def test_the_hub_load_fetched_the_module_and_its_siblings(loaded, hub):
    got = {path.rsplit("/", 1)[1] for path in hub[1] if "/resolve/main/" in path}
    assert got >= {"sblimp.py", "spoken_cloze.py", "swuggy.py", *SOURCES}


@pytest.mark.parametrize("where", ["source", "repo", "hub"])
@pytest.mark.parametrize("name", NAMES)
def test_loads_and_scores_without_hf_slm(loaded, where, name):
    r, x = loaded["scores"][f"{where}/{name}"], inputs()
    hand = by_hand(x)
    for key in ("accuracy", "macro_accuracy", "voice_accuracy"):
        assert r[key] == pytest.approx(hand[key], abs=1e-12), key
    assert r["ties"] == hand["ties"] >= 5 and r["n"] == 48
    # the default protocol (cm2024): a tie is wrong in a cloze, sblimp averages over phenomena
    assert r["protocol"] == "cm2024" and r["headline"] == "macro_accuracy"
    assert r["score"] == pytest.approx(headline_by_hand(x, "cm2024", name in CLOZE, name in PHENOMENA), abs=1e-12)
    # The shipped arithmetic is the package's: the same seeded intervals to the last digit.
    expected = pair_metrics(x["positive_scores"], x["negative_scores"], x["groups"], x["voices"],
                            x["items"], n_boot=N_BOOT)
    for key in ("accuracy_ci", "macro_accuracy_ci", "voice_accuracy_ci"):
        assert r[key] == expected[key], key
    if name == "spoken_cloze":
        assert r["task"] == "sSC_multispeaker"


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("where", ["source", "repo", "hub"])
@pytest.mark.parametrize("name", NAMES)
def test_each_protocol_gives_its_own_figure_without_hf_slm(loaded, where, name, protocol):
    r = loaded["protocols"][f"{where}/{name}/{protocol}"]
    cloze, phenomena = name in CLOZE, name in PHENOMENA
    assert r["score"] == pytest.approx(SMALL_EXPECTED[name][protocol], abs=1e-12)
    assert r["score"] == pytest.approx(headline_by_hand(SMALL, protocol, cloze, phenomena), abs=1e-12)
    assert r["protocol"] == protocol and r["headline"] == HEADLINE[protocol]
    assert r["n_units"] == (7 if protocol == "sims" else 3)
    assert r["accuracy"] == pytest.approx(3.5 / 7)  # pair_metrics' figures do not depend on the protocol
    # hf-slm's own aggregation of the same scores, interval included, to the last digit
    p = PROTOCOLS[protocol]
    fig = headline_figure(protocol_outcomes(SMALL["positive_scores"], SMALL["negative_scores"], p, cloze),
                          SMALL["groups"] if phenomena else ["all"] * 7, SMALL["items"], p,
                          n_boot=N_BOOT, confidence=0.95, seed=0)
    assert (r["score"], r["score_ci"], r["headline"]) == (fig["value"], [fig["ci_low"], fig["ci_high"]], fig["metric"])


def test_the_protocols_disagree_on_the_small_example():
    for name, by_protocol in SMALL_EXPECTED.items():
        distinct = len({round(v, 12) for v in by_protocol.values()})
        assert distinct == (2 if name == "swuggy" else 3), name


@pytest.mark.parametrize("where", ["source", "repo", "hub"])
def test_model_id_without_hf_slm_says_how_to_install_in_one_line(loaded, where):
    for name in NAMES:
        err = loaded["model_id"][f"{where}/{name}"]
        assert err["message"] == NEEDS_HF_SLM and "\n" not in NEEDS_HF_SLM
        assert "pip install" in err["message"] and not err["chained"]


def test_each_space_app_loads_its_module_with_a_valid_config_and_scores(loaded):
    # The app's example: outcomes 1, 0, 1 in group a and a tie in b (the blank row is dropped).
    expected = {"spoken_cloze": ("sSC", "SpokenCloze", {"cm2024": 0.5, "sims": 0.625, "zerospeech": 0.625}),
                "swuggy": ("default", "Swuggy", {"cm2024": 0.625, "sims": 0.625, "zerospeech": 0.625}),
                "sblimp": ("default", "Sblimp", {"cm2024": (2 / 3 + 0.5) / 2, "sims": 0.625, "zerospeech": 0.625})}
    for name, (config, cls, scores) in expected.items():
        app = loaded["apps"][name]
        assert (app["config"], app["class"]) == (config, cls)
        assert app["choices"] == list(PROTOCOLS) and app["default"] == "cm2024"
        for protocol, value in scores.items():
            assert app[protocol]["protocol"] == protocol and app[protocol]["n"] == 4
            assert app[protocol]["score"] == pytest.approx(value, abs=1e-12), (name, protocol)


def test_folders_link_the_one_source_and_repos_hold_identical_copies(repos):
    for name in NAMES:
        for file, source in SOURCES.items():
            link = METRICS / name / file
            assert link.is_symlink() and link.resolve() == source.resolve(), f"{link} is not a link to {source}"
            shipped = repos / name / file
            assert not shipped.is_symlink() and shipped.read_bytes() == source.read_bytes()
        extra = {p.name for p in (METRICS / name).glob("*.py")} - set(SOURCES) - {f"{name}.py"}
        assert not extra, f"{name}: unexpected modules {extra}"


def test_shipped_files_import_only_what_ships():
    """Relative imports name shipped files; protocol.py stays stdlib, metrics.py and aggregate.py
    numpy + stdlib; hf_slm only for model_id."""
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for name in NAMES:
        folder = METRICS / name
        shipped = {p.stem for p in folder.glob("*.py")}
        for py in sorted(folder.glob("*.py")):
            tree = ast.parse(py.read_text(encoding="utf-8"))
            model_id = [range(f.lineno, f.end_lineno + 1) for f in ast.walk(tree)
                        if isinstance(f, ast.FunctionDef) and f.name == "scores_from_model"]
            allowed = stdlib | {"protocol.py": set(), "metrics.py": {"numpy"},
                                "aggregate.py": {"numpy"}}.get(py.name, {"numpy", "evaluate", "datasets"})
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level:
                    assert node.module in shipped, f"{py}:{node.lineno} imports .{node.module}, which does not ship"
                    continue
                if isinstance(node, ast.Import):
                    tops = {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom):
                    tops = {node.module.split(".")[0]}
                else:
                    continue
                for top in tops:
                    if top == "hf_slm":
                        assert any(node.lineno in r for r in model_id), f"{py}:{node.lineno} imports hf_slm"
                    else:
                        assert top in allowed, f"{py}:{node.lineno} imports {top}, not in the Space's requirements"


def test_space_requirements_resolve_without_hf_slm(repos):
    for name in NAMES:
        reqs = (repos / name / "requirements.txt").read_text().split()
        assert set(reqs) == {"datasets", "evaluate", "numpy"}, reqs
        for req in reqs:  # each one a real distribution (the installed one), none of them hf-slm
            importlib.metadata.version(req)


def test_a_folder_copied_without_its_link_targets_is_refused(tmp_path):
    copy = tmp_path / "sblimp"
    shutil.copytree(METRICS / "sblimp", copy, symlinks=True)  # relative links now point nowhere
    with pytest.raises(ConfigError, match="cp -rL"):
        check_metric_folder(copy)
    with pytest.raises(ConfigError):
        layout_metric(copy, tmp_path / "out", repo_id="acme/sblimp")
    assert not (tmp_path / "out").exists()
