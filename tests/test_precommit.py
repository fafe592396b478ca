"""The pre-commit hooks this repo publishes (``.pre-commit-hooks.yaml``).

Fast tests read and validate the manifest. The slow tests use the hook as a user would: a
throw-away git repo holding a buggy and a clean model, a ``.pre-commit-config.yaml`` pointing
at this repo, and the real ``pre-commit`` building the hook's own virtualenv (``pip install .``,
so it needs the package index) in a temporary ``PRE_COMMIT_HOME``. The environment is built once
for the module and then inspected: it must lint without TensorFlow or Keras installed.

``pre-commit try-repo`` is not pointed at this checkout directly: it snapshots only *tracked*
changes (``git add -u``), so untracked new files - this manifest before its first commit, a new
module - would be missing, and it always builds in its own temporary store, ignoring
``PRE_COMMIT_HOME``. The tests therefore commit a snapshot of the working tree (tracked and
untracked, minus ignored files) to a temporary repo and use that as the hook repo; on a clean CI
clone the snapshot equals ``HEAD``. The try-repo runs add a test-only hook to that snapshot which
reports on the environment the lint hook runs in.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
BUGGY = "story1_buggy.keras"  # MC203 error (and MC201 warnings): fails at the default --fail-on
CLEAN = "story1_fixed.keras"  # only an info finding: passes
BUGGY_PY = "story1.py"  # story 1's code: MC203 at its Dense line
CLEAN_PY = "story1_fixed.py"
PLAIN_PY = "utils.py"  # no keras: skipped before it is parsed
INSTALL_TIMEOUT = 900  # seconds; a cold pip cache downloads numpy, h5py, rich, typer

# Variables that would point git at another repository, or pre-commit at other hooks / a
# skip list, when these tests themselves run inside a git or pre-commit hook.
_DROP = {
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
    "SKIP",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
}


# --------------------------------------------------------------------------- helpers


def pre_commit_cmd() -> list[str]:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail(
            "pre-commit is not installed in the test environment; it is a dev dependency: "
            "pip install -e '.[dev]'",
            pytrace=False,
        )
    # By absolute interpreter path: the clean environment below has no venv on PATH.
    return [sys.executable, "-m", "pre_commit"]


def git_exe() -> str:
    git = shutil.which("git")
    if git is None:
        pytest.fail("git is not on PATH; the pre-commit tests need it", pytrace=False)
    return git


def load_yaml(path: Path) -> Any:
    try:
        import yaml  # a dependency of pre-commit
    except ModuleNotFoundError:
        pytest.fail("PyYAML is missing: pip install -e '.[dev]' (pre-commit needs it)")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def hooks_by_id() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in load_yaml(MANIFEST)}


def clean_env(pre_commit_home: Path) -> dict[str, str]:
    """The caller's environment without this venv (no VIRTUAL_ENV, venv bin off PATH), so the
    hook can only run from its own environment. PIP_*, proxy and certificate variables stay, so
    pip reaches the same index."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith("PRE_COMMIT")}
    if sys.prefix != sys.base_prefix:  # running in a virtualenv
        venv_bin = (Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")).resolve()
        path = [
            p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != venv_bin
        ]
        env["PATH"] = os.pathsep.join(path)
    env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [git_exe(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def git_init_commit(path: Path, env: dict[str, str], message: str) -> str:
    """``git init`` + commit everything in ``path`` with a local identity; returns the sha."""
    git("init", "-q", cwd=path, env=env)
    git("config", "user.name", "modelcheck tests", cwd=path, env=env)
    git("config", "user.email", "tests@modelcheck.invalid", cwd=path, env=env)
    git("config", "commit.gpgsign", "false", cwd=path, env=env)
    git("add", "-A", cwd=path, env=env)
    git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=env)
    return git("rev-parse", "HEAD", cwd=path, env=env).strip()


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pre_commit_cmd(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


# --------------------------------------------------------------------------- the manifest


def test_manifest_hooks_and_file_patterns() -> None:
    hooks = hooks_by_id()
    assert list(hooks) == ["modelcheck-lint", "modelcheck-probe"]
    lint, probe = hooks["modelcheck-lint"], hooks["modelcheck-probe"]

    assert lint["entry"] == "modelcheck lint"
    assert lint["language"] == "python"
    assert lint["types"] == ["file"]
    assert lint["require_serial"] is False
    assert "stages" not in lint  # runs on every commit
    for name in ("a.keras", "b.h5", "c.hdf5", "models/sub dir/d.keras", "train.py", "nb.ipynb"):
        assert re.search(lint["files"], name), name
    for name in ("d.json", "e.keras.json", "f.h5.txt", "keras", "config.json", "x.pyc"):
        assert not re.search(lint["files"], name), name
    deps = lint.get("additional_dependencies", [])
    assert not any("tensorflow" in d or "keras" in d for d in deps), deps

    assert probe["entry"] == "modelcheck probe"
    assert probe["stages"] == ["manual"]
    assert probe["require_serial"] is True
    assert re.search(probe["files"], "a.keras")
    assert not re.search(probe["files"], "b.h5")


def test_manifest_matches_pyproject() -> None:
    """The entry's executable is this package's console script, and the probe hook installs
    exactly the ``probe`` extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    hooks = hooks_by_id()
    for hook in hooks.values():
        assert hook["entry"].split()[0] in project["scripts"], hook["entry"]
    probe_extra = project["optional-dependencies"]["probe"]
    assert hooks["modelcheck-probe"]["additional_dependencies"] == probe_extra
    base = " ".join(project["dependencies"]).lower()
    assert "tensorflow" not in base and "keras" not in base, base


def test_manifest_validates() -> None:
    proc = subprocess.run(
        [*pre_commit_cmd(), "validate-manifest", str(MANIFEST)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, output(proc)


# --------------------------------------------------------------------------- the lint hook, for real


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repo's working tree (tracked + untracked, minus ignored files), committed to a
    temporary repo: ``(path, sha)``."""
    env = clean_env(tmp_path_factory.mktemp("unused-home"))
    listed = subprocess.run(
        [git_exe(), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if listed.returncode != 0:
        pytest.fail(f"{REPO} is not a git checkout: {listed.stderr.strip()}", pytrace=False)
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for rel in filter(None, listed.stdout.split("\0")):
        src = REPO / rel
        if src.is_file():  # skip files deleted in the working tree
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, snapshot / rel)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    return snapshot, git_init_commit(snapshot, env, "snapshot of the modelcheck working tree")


@pytest.fixture(scope="module")
def user_repo(
    tmp_path_factory: pytest.TempPathFactory,
    example_models: dict[str, Path],
    hook_repo: tuple[Path, str],
) -> Path:
    """A user's repo: the two models and a config using ``modelcheck-lint``, all committed."""
    repo = tmp_path_factory.mktemp("user-repo")
    shutil.copy2(example_models["story1_buggy"], repo / BUGGY)
    shutil.copy2(example_models["story1_fixed"], repo / CLEAN)
    shutil.copy2(REPO / "examples" / "source" / "story1_buggy.py", repo / BUGGY_PY)
    shutil.copy2(REPO / "examples" / "source" / "story1_fixed.py", repo / CLEAN_PY)
    (repo / PLAIN_PY).write_text("import os\n\nprint(os.getcwd())\n", encoding="utf-8")
    hook_path, sha = hook_repo
    config = {"repos": [{"repo": str(hook_path), "rev": sha, "hooks": [{"id": "modelcheck-lint"}]}]}
    # JSON is YAML: no dumper needed.
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2), encoding="utf-8")
    git_init_commit(repo, clean_env(repo), "models")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_runs(
    user_repo: Path, pre_commit_home: Path
) -> dict[str, subprocess.CompletedProcess[str]]:
    """``pre-commit run modelcheck-lint --files F`` for the buggy model (builds the hook's
    environment) and then for the clean one (reuses it)."""
    env = clean_env(pre_commit_home)
    return {
        name: pre_commit(
            "run", "modelcheck-lint", "--color", "never", "--files", name, cwd=user_repo, env=env
        )
        for name in (BUGGY, CLEAN, BUGGY_PY, CLEAN_PY, PLAIN_PY)
    }


@pytest.fixture(scope="module")
def hook_python(hook_runs: dict[str, Any], pre_commit_home: Path) -> Path:
    found = sorted(pre_commit_home.glob("repo*/py_env-*/bin/python"))
    assert len(found) == 1, (found, output(hook_runs[BUGGY]))
    return found[0]


@pytest.mark.slow
def test_lint_hook_fails_on_buggy_model(hook_runs: dict[str, Any]) -> None:
    proc = hook_runs[BUGGY]
    out = output(proc)
    assert proc.returncode == 1, out
    assert "Installing environment" in out, out  # the first run built it
    assert re.search(r"modelcheck lint \(Keras models and model code\)\.+Failed", out), out
    assert "- exit code: 1" in out, out
    assert "MC203" in out and "activation-before-softmax" in out, out
    assert "Traceback" not in out, out


@pytest.mark.slow
def test_lint_hook_passes_clean_model(hook_runs: dict[str, Any]) -> None:
    proc = hook_runs[CLEAN]
    out = output(proc)
    assert proc.returncode == 0, out
    assert re.search(r"modelcheck lint \(Keras models and model code\)\.+Passed", out), out
    assert "Installing environment" not in out, out  # reused from the first run


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, code", [(BUGGY_PY, 1), (CLEAN_PY, 0), (PLAIN_PY, 0)], ids=["buggy", "fixed", "plain"]
)
def test_lint_hook_reads_python_code(hook_runs: dict[str, Any], name: str, code: int) -> None:
    proc = hook_runs[name]
    out = output(proc)
    assert proc.returncode == code, out
    if code:
        assert f"{name}:" in out and "MC203" in out, out
    assert "Traceback" not in out, out


@pytest.mark.slow
def test_hook_environment_has_no_tensorflow(hook_python: Path, pre_commit_home: Path) -> None:
    env_dir = hook_python.parent.parent
    probe = (
        "import importlib.util, json\n"
        "specs = {n: importlib.util.find_spec(n) for n in ('tensorflow', 'keras', 'modelcheck')}\n"
        "print(json.dumps({n: s and s.origin for n, s in specs.items()}))\n"
    )
    # -I: no cwd / PYTHONPATH / user site on sys.path, only the hook environment.
    proc = subprocess.run(
        [str(hook_python), "-I", "-c", probe],
        cwd=pre_commit_home,
        env=clean_env(pre_commit_home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    origins = json.loads(proc.stdout)
    assert origins["tensorflow"] is None, origins
    assert origins["keras"] is None, origins
    assert origins["modelcheck"] is not None, origins
    # installed into the hook environment (pip install .), not found in some source tree
    assert Path(origins["modelcheck"]).resolve().is_relative_to(env_dir.resolve()), origins


#: A test-only hook appended to the snapshot's manifest. Hooks of one repo with the same
#: language and dependencies share one environment, so under try-repo it reports on the very
#: environment modelcheck-lint runs in (try-repo deletes that environment when it exits).
ENV_REPORT_HOOK = """
-   id: env-report
    name: hook environment report
    entry: python -c "import importlib.util as u, sys; bad = [m for m in ('tensorflow', 'keras') if u.find_spec(m)]; print('hook env', sys.prefix, 'tensorflow/keras:', bad or 'none'); sys.exit(1 if bad or u.find_spec('modelcheck') is None else 0)"
    language: python
    pass_filenames: false
    always_run: true
    verbose: true
"""


@pytest.fixture(scope="module")
def try_repo_hooks(hook_repo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the snapshot whose manifest also has :data:`ENV_REPORT_HOOK`."""
    copy = tmp_path_factory.mktemp("try-repo-hooks") / "repo"
    shutil.copytree(hook_repo[0], copy, ignore=shutil.ignore_patterns(".git"))
    with (copy / ".pre-commit-hooks.yaml").open("a", encoding="utf-8") as fh:
        fh.write(ENV_REPORT_HOOK)
    git_init_commit(copy, clean_env(copy), "snapshot plus env-report")
    return copy


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, code, verdict",
    [(BUGGY, 1, "Failed"), (CLEAN, 0, "Passed"), (BUGGY_PY, 1, "Failed"), (CLEAN_PY, 0, "Passed")],
    ids=["buggy", "clean", "buggy-py", "clean-py"],
)
def test_try_repo(
    user_repo: Path, try_repo_hooks: Path, tmp_path: Path, model: str, code: int, verdict: str
) -> None:
    """``pre-commit try-repo`` (how a contributor tries the hooks), all hooks of the repo: the
    lint hook fails on the buggy model and passes on the clean one, and the environment it
    ran in has no TensorFlow or Keras (the manual-stage probe hook is not run)."""
    proc = pre_commit(
        "try-repo",
        str(try_repo_hooks),
        "--color",
        "never",
        "--files",
        model,
        cwd=user_repo,
        env=clean_env(tmp_path / "home"),
    )
    out = output(proc)
    assert proc.returncode == code, out
    assert re.search(rf"modelcheck lint \(Keras models and model code\)\.+{verdict}", out), out
    assert re.search(r"hook environment report\.+Passed", out), out
    assert "tensorflow/keras: none" in out, out
    assert "modelcheck probe" not in out, out  # manual stage
    if model in (BUGGY, BUGGY_PY):
        assert "MC203" in out, out
