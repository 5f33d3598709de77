"""The layers of DESIGN.md are a contract the code keeps: import-linter checks it, and these tests
check that the contract is really enforced (a planted violation or cycle fails it) and that
stage-neutral code asks the mode instead of testing `mode == ...`."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports with the project's pyproject, on the hf_slm package found under `root`."""
    env = {"PYTHONPATH": str(root), "PATH": str(LINT.parent), "LANG": "C.UTF-8"}
    return subprocess.run([str(LINT), str(REPO / "pyproject.toml"), "--no-cache", "--no-logo"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """A copy of the package to plant imports in (the real tree is shared by other test workers)."""
    shutil.copytree(REPO / "hf_slm", tmp_path / "hf_slm", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_contract_is_kept_by_the_tree():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.split("Contracts:")[-1].split("\n")[0].replace("0 broken", "")


def test_a_lazy_import_against_the_flow_breaks_the_contract(tree_copy):
    # A function-level import counts: scoring (layer 4) reaching up into training (layer 6).
    (tree_copy / "hf_slm" / "scoring" / "planted.py").write_text(
        "def f():\n    from hf_slm.training import run\n    return run\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "hf_slm.scoring is not allowed to import hf_slm.training" in result.stdout
    assert "hf_slm.scoring.planted -> hf_slm.training" in result.stdout


def test_siblings_of_one_layer_may_not_import_each_other(tree_copy):
    (tree_copy / "hf_slm" / "scaling" / "planted.py").write_text("import hf_slm.scoring.metrics\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "hf_slm.scaling is not allowed to import hf_slm.scoring" in result.stdout


def test_a_cycle_inside_a_package_breaks_the_contract(tree_copy):
    pkg = tree_copy / "hf_slm" / "scaling"
    (pkg / "planted_a.py").write_text("def f():\n    from hf_slm.scaling import planted_b\n")
    (pkg / "planted_b.py").write_text("from hf_slm.scaling import planted_a\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "No cycles are allowed in hf_slm.scaling" in result.stdout


def test_a_new_top_level_module_must_be_given_a_layer(tree_copy):
    (tree_copy / "hf_slm" / "stray.py").write_text("X = 1\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "hf_slm.stray" in result.stdout


def _mode_comparisons(path: Path) -> list[str]:
    """`mode == "x"`, `x.mode != "y"`, `mode in ("a", "b")`: a branch on a mode name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names = [s for s in sides if (isinstance(s, ast.Name) and s.id == "mode")
                 or (isinstance(s, ast.Attribute) and s.attr == "mode")]
        literals = [s for s in sides if (isinstance(s, ast.Constant) and isinstance(s.value, str))
                    or (isinstance(s, (ast.Tuple, ast.List, ast.Set))
                        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in s.elts))]
        if names and literals:
            where = path.relative_to(REPO) if REPO in path.parents else path
            found.append(f"{where}:{node.lineno}")
    return found


def test_no_mode_branches_outside_the_mode_definitions():
    modes = REPO / "hf_slm" / "modes"
    branches = [hit for p in sorted((REPO / "hf_slm").rglob("*.py")) if modes not in p.parents
                for hit in _mode_comparisons(p)]
    assert branches == []


def test_the_mode_branch_detector_sees_a_branch(tmp_path):
    p = tmp_path / "probe.py"
    p.write_text('def f(args, mode):\n    if args.mode == "text":\n        return 1\n'
                 '    return mode in ("speech", "unigram") or mode == args.other\n')
    assert len(_mode_comparisons(p)) == 2
