"""MC8xx: what loading the file would run, read or allocate.

These rules judge the hazards the readers record (:mod:`modelcheck.graph.hazards`): lint
itself never runs, imports, unpickles or follows any of them. They need no layer graph, so
they also report on files whose graph cannot be built (a bomb, a cycle). The probe refuses a
file with any warning or error from this group unless the user passes ``--trust`` (and even
then for MC806/MC807/MC809).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.hazards import Hazard, HazardKind
from modelcheck.graph.ir import ModelGraph
from modelcheck.linting.rule import Rule

_SPLIT = re.compile(r"[:/]")


def hazard_location(hazard: Hazard) -> tuple[str, ...]:
    """The layer path, or for file-level hazards the place in the file
    (``("config.json", "compile_config", "loss")``, ``("zip member 'run.py'",)``)."""
    if hazard.layer:
        return hazard.layer
    return tuple(p for p in _SPLIT.split(hazard.where) if p)[:4] or ("file",)


class HazardRule(Rule):
    """Base of the MC8xx rules: one finding per recorded hazard of :attr:`kind`."""

    kind: ClassVar[HazardKind]
    needs_graph = False

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for hazard in graph.hazards:
            if hazard.kind is self.kind:
                yield self.hazard_finding(graph, hazard)

    def hazard_finding(
        self,
        graph: ModelGraph,
        hazard: Hazard,
        evidence: dict[str, object] | None = None,
        **fields: object,
    ) -> Finding:
        place = f"'{'/'.join(hazard.layer)}'" if hazard.layer else hazard.where
        return self.finding(
            graph,
            None,
            where=hazard_location(hazard),
            evidence={"where": hazard.where, "target": hazard.target, **(evidence or {})},
            place=place,
            what=hazard.what,
            **fields,
        )


class SerializedCode(HazardRule):
    """The file stores Python code: a Lambda's bytecode, a lambda loss or metric, a pickled
    torch module.

    ## Why is this bad?
    Keras rebuilds such code with ``marshal``/``pickle`` and runs it while loading, before
    you call the model. Whoever wrote the file chooses what it does: read your SSH keys,
    install a backdoor (CVE-2024-3660). Keras refuses it in ``safe_mode`` (the default), but
    ``safe_mode=False``, ``keras.config.enable_unsafe_deserialization()`` or an old Keras run
    it, and public proof-of-concept files hide the Lambda in a nested model, a wrapper or
    ``compile_config`` where scanners that only read ``config.layers`` miss it. Bytecode is
    also tied to one Python version: the file breaks on another.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Lambda(lambda t: t * 2.0),
        layers.Dense(1),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Rescaling(2.0),
        layers.Dense(1),
    ])
    ```
    """

    code = "MC801"
    group = "security"
    name = "serialized-code"
    severity = S.ERROR
    kind = HazardKind.CODE
    message = "{place}: {what} runs as Python when the model is loaded with safe_mode=False"
    fix = (
        "Never load this file with safe_mode=False unless you trust its author; replace "
        "Lambda layers and lambda losses/metrics with built-in or registered custom objects"
    )


class UnsafeReference(HazardRule):
    """The config names a module or function outside Keras (``os.system``, ``builtins.eval``,
    ``subprocess.Popen``) or a Keras API that is neither a model part nor a pure tensor
    function (``keras.utils.get_file``, ``keras.visualization.plot_image_gallery``,
    ``keras.config.enable_unsafe_deserialization``, ``keras.layers.deserialize``).

    ## Why is this bad?
    A ``.keras`` config says which class or function to rebuild each object from. Keras 3.0
    to 3.8 imported whatever module the file named and called it with the file's arguments,
    even in safe mode (CVE-2025-1550); up to 3.10, Keras's own file-download and
    unsafe-mode functions could be chained the same way (CVE-2025-8747, CVE-2025-9906).
    Keras 3.15 still resolves every other public Keras function by name in safe mode, and a
    ``Lambda`` layer calls it with arguments from the file while the model is built: an
    image-saving utility writes files, dataset loaders download, a ``TFSMLayer`` built by
    its constructor skips its own safe-mode check. modelcheck allows only model parts and
    pure tensor functions (``keras.ops``, activations, losses, metrics; the allowlist is
    ``modelcheck/graph/allowlist.py``). Keras itself writes public functions as
    ``builtins``-module names (``Lambda(keras.ops.relu)`` is stored as ``relu``), so a
    public-module reference to anything else is a crafted file.

    ## Anti-pattern
    ```python
    import json
    import zipfile

    def save(path):
        # a crafted config: the activation names os.system instead of a Keras function
        dense = {"class_name": "Dense", "config": {"name": "dense", "units": 1, "activation":
                 {"module": "os", "class_name": "system", "config": "id"}}}
        model = {"class_name": "Sequential", "config": {"name": "m", "layers": [dense]}}
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("config.json", json.dumps(model))
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1, activation="relu")])
    ```
    """

    code = "MC802"
    group = "security"
    name = "unsafe-reference"
    severity = S.ERROR
    kind = HazardKind.IMPORT
    message = "{place}: {what} would be imported and called by the loader"
    fix = (
        "Do not load this file: a model config names only Keras layers, functions and "
        "registered custom objects; get the model from its original source"
    )


class CustomCode(HazardRule):
    """The model uses a custom class or function whose code is not in the file.

    Reported once per custom object, at the first layer that uses it.

    ## Why is this bad?
    Loading needs the code the model was written with (``custom_objects`` or a registered
    class), and that code runs while the model is built. It is only as trustworthy as where
    you get it from: the file cannot vouch for it. A custom function saved by name
    (``activation=my_fn``) also silently binds to whatever function of that name the loading
    process has registered.

    ## Anti-pattern
    ```python
    def scaled_relu(x):
        return 2.0 * keras.ops.relu(x)

    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(4, activation=scaled_relu),
        layers.Dense(1),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(4, activation="relu"),
        layers.Dense(1),
    ])
    ```
    """

    code = "MC803"
    group = "security"
    name = "custom-code"
    severity = S.INFO
    kind = HazardKind.CUSTOM
    message = "{place}: {what} must come from code outside the file{uses}"
    fix = (
        "Load it only together with the code it was written with (custom_objects, "
        "--custom-objects), from a source you trust"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        first: dict[str, Hazard] = {}
        uses: dict[str, int] = {}
        for hazard in graph.hazards:
            if hazard.kind is self.kind:
                key = hazard.target or hazard.what
                first.setdefault(key, hazard)
                uses[key] = uses.get(key, 0) + 1
        for key, hazard in first.items():
            n = uses[key]
            yield self.hazard_finding(
                graph, hazard, {"uses": n}, uses=f" ({n} uses)" if n > 1 else ""
            )


class ExternalModel(HazardRule):
    """A ``TFSMLayer`` loads a TensorFlow SavedModel from a path outside the model file.

    ## Why is this bad?
    The layer's computation is whatever graph sits at that path on the loading machine, not
    what was saved: a SavedModel can read and write files (``ReadFile``/``WriteFile`` ops)
    and the path can point anywhere. Keras refuses it in safe mode; the file is also not
    self-contained, so it breaks when moved.

    ## Anti-pattern
    ```python
    import tempfile

    inner = keras.Sequential([keras.Input((8,)), layers.Dense(4)])
    export_dir = tempfile.mkdtemp()
    inner.export(export_dir, verbose=False)  # a SavedModel outside the .keras file
    model = keras.Sequential([
        keras.Input((8,)),
        layers.TFSMLayer(export_dir, call_endpoint="serve"),
        layers.Dense(1),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.Dense(1)])
    ```
    """

    code = "MC804"
    group = "security"
    name = "external-model"
    severity = S.ERROR
    kind = HazardKind.EXTERNAL_MODEL
    message = "{place}: TFSMLayer loads and runs the {what}, outside this file"
    fix = (
        "Rebuild the model from Keras layers and save it whole, or load the SavedModel "
        "yourself from a path you control"
    )


class OutsideFile(HazardRule):
    """Loading would read or write a file outside the model file: a lookup layer's
    vocabulary path, an HDF5 external link or external/virtual dataset, a zip member whose
    path escapes the extraction folder.

    ## Why is this bad?
    A model file should carry everything it needs (Keras 3 stores a lookup vocabulary in
    the archive's ``assets/``). A vocabulary path like ``/etc/passwd`` or ``~/.ssh/id_rsa``
    makes Keras read that file into the model (Keras refuses it in safe mode); HDF5 external links and external storage make h5py open other files on the
    loading machine; a member named ``../../.bashrc`` overwrites files when the archive is
    extracted.

    ## Anti-pattern
    ```python
    import json
    import zipfile

    def save(path):
        keras.Sequential([
            keras.Input((1,), dtype="string"),
            layers.StringLookup(vocabulary=["red", "green", "blue"]),
        ]).save(path)
        with zipfile.ZipFile(path) as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
        config = json.loads(members["config.json"])
        # crafted: the vocabulary is read from a file on the loading machine
        config["config"]["layers"][1]["config"]["vocabulary"] = "/home/me/.ssh/id_rsa"
        members["config.json"] = json.dumps(config)
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data)
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((1,), dtype="string"),
        layers.StringLookup(vocabulary=["red", "green", "blue"]),
    ])
    ```
    """

    code = "MC805"
    group = "security"
    name = "outside-file"
    severity = S.ERROR
    kind = HazardKind.OUTSIDE_FILE
    message = "{place}: {what} points outside the model file"
    fix = (
        "Re-save the model with model.save() (Keras stores the vocabulary inside the "
        "archive); never load files with external HDF5 links or escaping paths"
    )


class ResourceExhaustion(HazardRule):
    """A size in the file would exhaust memory or time when loaded: a zip member that
    inflates to gigabytes, a ``config.json`` over the size limit, JSON or models nested
    hundreds of levels deep, a weights dataset declaring a huge shape it does not store.

    ## Why is this bad?
    These cost nothing to craft and take a loader down: Keras reads ``config.json`` whole,
    parses JSON recursively, and allocates each weight's declared shape before it reads
    the data (CVE-2026-0897). A pre-commit hook or a model-hub scanner that loads such a
    file stalls or crashes. modelcheck reads only up to its limits and reports instead.

    ## Anti-pattern
    ```python
    import zipfile

    def save(path):
        # config.json inflates to 65 MiB from a few hundred KiB (a zip bomb)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("config.json", b" " * (65 << 20))
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1)])
    ```
    """

    code = "MC806"
    group = "security"
    name = "resource-exhaustion"
    severity = S.ERROR
    kind = HazardKind.RESOURCE
    message = "{place}: {what}; loading it would exhaust memory or time"
    fix = "Do not load this file; re-save the model with model.save() from its source"


class MalformedGraph(HazardRule):
    """The layer graph cannot be built: an ``inbound_nodes`` cycle, a reference to a layer
    that does not exist, two layers with one name, an HDF5 soft link.

    ## Why is this bad?
    Keras writes none of these. A file holding one was edited by hand or crafted: loaders
    may loop, recurse until they crash, or wire a different model than the one shown.
    modelcheck does not guess a graph from it, so no other rule can check the model.

    ## Anti-pattern
    ```python
    import json
    import zipfile

    def call(src):
        tensor = {"class_name": "__keras_tensor__", "config": {"keras_history": [src, 0, 0]}}
        return {"args": [tensor], "kwargs": {}}

    def save(path):
        layers_ = [  # 'a' reads from 'b' and 'b' from 'a': a cycle
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"name": "x", "batch_shape": [None, 4]}},
            {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 4},
             "inbound_nodes": [call("b")]},
            {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 4},
             "inbound_nodes": [call("a")]},
        ]
        model = {"class_name": "Functional", "config": {"name": "m", "layers": layers_,
                 "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]]}}
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("config.json", json.dumps(model))
    ```

    ## Best practice
    ```python
    inp = keras.Input((4,))
    model = keras.Model(inp, layers.Dense(4)(layers.Dense(4)(inp)))
    ```
    """

    code = "MC807"
    group = "security"
    name = "malformed-graph"
    severity = S.ERROR
    kind = HazardKind.MALFORMED
    message = "{place}: {what}; Keras never writes this (a crafted or corrupted file)"
    fix = "Do not load this file; re-save the model with model.save() from its source"


class UnexpectedArchiveMember(HazardRule):
    """The ``.keras`` archive holds members Keras never writes (scripts, pickles,
    binaries) or two members with one name.

    ## Why is this bad?
    Keras writes ``metadata.json``, ``config.json``, ``model.weights.h5`` (or ``.npz``,
    shards) and ``assets/``. Anything else rides along unseen: a ``.py`` or a pickle that a
    helper script may import or unpickle, a binary. With duplicate names, different tools
    read different members, so the model you reviewed is not the one that loads.

    ## Anti-pattern
    ```python
    import zipfile

    def save(path):
        keras.Sequential([keras.Input((8,)), layers.Dense(1)]).save(path)
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("run_me.py", "import os\\nos.system('id')\\n")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1)])
    ```
    """

    code = "MC808"
    group = "security"
    name = "unexpected-archive-member"
    severity = S.WARNING
    kind = HazardKind.MEMBER
    message = "{place}: {what} (Keras writes only metadata.json, config.json, weights, assets/)"
    fix = "Re-save the model with model.save() and ship other files separately"


class PolyglotFile(HazardRule):
    """The file is more than one format at once: an HDF5 model with a zip archive appended
    (or inside), or a zip archive after other data.

    ## Why is this bad?
    Tools decide the format differently. Keras loads a file whose name ends in ``.keras``
    as a zip if it has a zip directory at its end, and one ending in ``.h5`` as HDF5, so one
    file can carry a harmless model for whoever reads the first bytes and a hostile one for
    Keras: a scanner reads the HDF5 part and passes the file, ``load_model`` runs the zip
    part. Keras never writes such files. modelcheck reads the part Keras would load, scans
    the other part too, and reports the file.

    ## Anti-pattern
    ```python
    import io
    import zipfile

    def save(path):
        # a legacy HDF5 model with a second model appended as a zip archive
        keras.Sequential([keras.Input((8,)), layers.Dense(1)]).save(str(path) + ".h5")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("config.json", '{"class_name": "Sequential", "config": {"layers": []}}')
        with open(str(path) + ".h5", "rb") as fh:
            data = fh.read()
        with open(path, "wb") as fh:
            fh.write(data + buffer.getvalue())
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1)])
    ```
    """

    code = "MC809"
    group = "security"
    name = "polyglot-file"
    severity = S.ERROR
    kind = HazardKind.POLYGLOT
    message = "The file is {what}; tools that read it differently see different models"
    fix = "Do not load this file; re-save the model with model.save() from its source"
