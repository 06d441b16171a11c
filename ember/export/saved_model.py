"""`tf.saved_model.save` / `load`: an object's traced functions, Variables and signatures
in a directory, as data; loading needs none of the Python source that made them.

The directory (format `ember.saved_model`, version 1):

- `saved_model.json`: the format and version, the Variables (name, dtype, declared shape,
  trainable, the attribute paths that hold them), the object tree (attributes holding
  Variables, sub-modules and functions), each function's traced graphs (ember's IR,
  `graph_io`: primitives by name with static parameters; never pickled code) with their
  argument and output structures, and the signatures.
- `variables.npz`: the Variables' values; `constants.npz`: the graphs' captured arrays
  (both read with `allow_pickle=False`).

What is saved, as TF does: every `ember.function` attribute or method of the object and
of the Modules it holds, with the graphs traced so far for this object (a function with
an `input_signature` is traced for it if it was not yet); for a Keras model (or layer
with known inputs) also its inference call, as `__call__` and the `serving_default`
signature. Loading (`load`) rebuilds Variables and graphs; the loaded object's functions
run the stored graphs with ember's executor and dispatch on their input signatures.

Composite values: a saved function may take and return SparseTensors, RaggedTensors and
IndexedSlices (stored as a type tag, static spec and components, `structure.py`); the
loaded function takes and returns them too. A SparseTensor argument is matched on its
static dense shape, as ember.function traces on it. Signatures (keyword tensors in, a
dict of named tensors out) take and return dense tensors only: a function with
composite arguments or results is not made the default `serving_default`, and naming it
in `signatures=` is a SaveError (call it as `loaded.<name>` instead).

Example:
    >>> import tempfile, ember as tf
    >>> class Scale(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.v = tf.Variable(2.0)
    ...     @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ...     def __call__(self, x):
    ...         return x * self.v
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(Scale(), path)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded(tf.constant([1.0, 3.0])).numpy(), float(loaded.v)
    (array([2., 6.], dtype=float32), 2.0)
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

from ..core import nest
from ..core.function import ConcreteFunction, Function, function, positional_names
from ..core.module import Module
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps
from ..core.variable import Variable
from .graph_io import GraphLoadError, GraphSaveError, decode_graph, encode_graph
from .loaded import LoadedFunction, LoadedObject, Signature, loaded_concrete
from .structure import StructureError, decode_structure, encode_structure, has_composite

__all__ = ["save", "load", "contains_saved_model", "FORMAT", "VERSION", "SaveError"]

FORMAT = "ember.saved_model"
VERSION = 1
READABLE_VERSIONS = (1,)
FILENAME = "saved_model.json"


class SaveError(ValueError):
    """The object holds something a SavedModel can't store (see the message)."""


# -- what to save ----------------------------------------------------------------------

def _is_keras(obj: Any) -> bool:
    return hasattr(obj, "trainable_weights") and hasattr(obj, "built") and callable(obj)


def _keras_call(model: Any) -> Function | None:
    """The model's inference call as an ember.function traced for its inputs (batch None),
    or None when its inputs are unknown (a subclassed model never called)."""
    inputs = getattr(model, "inputs", None)
    name = getattr(model, "name", "call")
    if inputs:
        return keras_serving_function(model, [TensorSpec(
            [None] + list(t.shape)[1:], t.dtype, name=getattr(t, "name", None))
            for t in inputs], name)
    shapes = getattr(model, "_build_input_shape", None)  # a subclassed model, called once
    if shapes is None:
        return None
    one = isinstance(shapes, TensorShape) or (isinstance(shapes, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in shapes))
    dtype = getattr(model, "compute_dtype", "float32")
    specs = [TensorSpec([None] + list(TensorShape(s))[1:], dtype)
             for s in ([shapes] if one else shapes)]
    fn = keras_serving_function(model, specs, name)
    try:
        fn.get_concrete_function()
    except Exception as exc:  # noqa: BLE001 - any failure: the call is left out, said why
        warnings.warn(f"tf.saved_model.save: the call of {name!r} was not saved: traced for "
                      f"its first input shapes {specs} it failed ({type(exc).__name__}: "
                      f"{exc}). Pass signatures=model_fn.get_concrete_function(...) with "
                      f"the right TensorSpecs.", UserWarning, stacklevel=3)
        return None
    return fn


def keras_serving_function(model: Any, specs: list, name: str) -> Function:
    """`model(inputs, training=False)` as an ember.function of one argument `inputs`: a
    tensor, or the list of a multi-input model's tensors (as TF's serving functions)."""
    if len(specs) == 1:
        def serve(inputs: Any) -> Any:
            return model(inputs, training=False)
        return function(serve, input_signature=specs, name=name)

    def serve_many(inputs: Any) -> Any:
        return model(list(inputs), training=False)
    return function(serve_many, input_signature=[list(specs)], name=name)


def _traced_for(fn: Function, obj: Any, method: bool) -> list:
    """The concrete functions `fn` traced so far (for instance `obj` if a method)."""
    out, seen = [], set()
    for cf in list(fn._exact.values()) + list(fn._fast.values()):
        if id(cf) in seen:
            continue
        seen.add(id(cf))
        args = cf._signature[1][0] if hasattr(cf, "_signature") else ()
        if method and not (args and args[0] is obj):
            continue
        out.append(cf)
    if not out and fn.input_signature is not None:
        out.append(fn.get_concrete_function(obj) if method else fn.get_concrete_function())
    return out


def _functions_of(obj: Any) -> dict:
    """name -> (Function, [ConcreteFunction], is_method) for obj's ember.functions."""
    found: dict = {}
    for klass in type(obj).__mro__:
        for name, attr in vars(klass).items():
            if isinstance(attr, Function) and name not in found:
                cfs = _traced_for(attr, obj, method=True)
                if cfs:
                    found[name] = (attr, cfs, True)
    for name, attr in vars(obj).items():
        if isinstance(attr, Function) and name not in found:
            cfs = _traced_for(attr, obj, method=False)
            if cfs:
                found[name] = (attr, cfs, False)
    return found


def _children(obj: Any) -> list:
    """(attribute name, value) of obj's public attributes that hold Variables, Modules
    or lists / tuples / dicts of them."""
    out = []
    for name in sorted(vars(obj), key=str):
        if name.startswith("_"):
            continue
        value = vars(obj)[name]
        if _trackable(value):
            out.append((name, value))
    return out


def _trackable(value: Any) -> bool:
    if isinstance(value, (Variable, Module)):
        return True
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_trackable(v) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(isinstance(k, str) and _trackable(v)
                                   for k, v in value.items())
    return False


class _Saver:
    def __init__(self) -> None:
        self.variables: list = []
        self.var_ids: dict = {}
        self.arrays: list = []
        self.functions: dict = {}  # key -> encoded function
        self.fn_keys: dict = {}  # id(Function) -> key
        self.seen: dict = {}  # id(object) -> its node (each object stored once)

    def variable_index(self, v: Any) -> int:
        n = self.var_ids.get(id(v))
        if n is None:
            n = self.var_ids[id(v)] = len(self.variables)
            self.variables.append(v)
        return n

    def node(self, obj: Any, path: str) -> dict:
        if id(obj) in self.seen:
            return {"ref": self.seen[id(obj)]}
        self.seen[id(obj)] = path
        attrs: dict = {}
        for name, value in _children(obj):
            attrs[name] = self.value(value, f"{path}/{name}" if path else name)
        functions = {}
        for name, (fn, cfs, _) in _functions_of(obj).items():
            functions[name] = self.function(fn, cfs, f"{path}.{name}" if path else name)
        node = {"type": type(obj).__name__, "attrs": attrs, "functions": functions}
        if isinstance(obj, Module):
            node["name"] = obj.name
        return node

    def value(self, value: Any, path: str) -> dict:
        if isinstance(value, Variable):
            return {"variable": self.variable_index(value)}
        if isinstance(value, Module):
            return {"object": self.node(value, path)}
        if isinstance(value, dict):
            return {"dict": {k: self.value(v, f"{path}/{k}") for k, v in value.items()}}
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [self.value(v, f"{path}/{i}") for i, v in enumerate(value)]}

    def function(self, fn: Function, cfs: list, where: str) -> str:
        key = self.fn_keys.get(id(fn))
        if key is None or key not in self.functions:
            key = self.fn_keys[id(fn)] = f"{where}_{len(self.functions)}"
            self.functions[key] = {"name": getattr(fn, "_name", where), "concrete": []}
        entry = self.functions[key]
        for cf in cfs:
            entry["concrete"].append(self.concrete(cf, where))
        return key

    def concrete(self, cf: ConcreteFunction, where: str, drop_self: bool = True) -> dict:
        if "V" in cf._leaf_kinds:
            raise SaveError(f"tf.saved_model.save: function {where!r} was traced with a "
                            f"Variable as an argument; pass tensors (or read the Variable "
                            f"inside the function) to save it.")
        fn, (args, kwargs) = getattr(cf, "_signature", (None, ((), {})))
        params = positional_names(fn)
        if drop_self and params and params[0] == "self" and args:
            args, params = args[1:], params[1:]
        args, kwargs = _by_position(list(args), dict(kwargs), params)
        try:
            graph, arrays = encode_graph(cf.graph, self.variable_index)
        except GraphSaveError as exc:
            raise SaveError(f"tf.saved_model.save: function {where!r}: {exc}") from None
        base = len(self.arrays)
        self.arrays.extend(arrays)
        graph["array_base"] = base
        try:
            arg_struct = encode_structure((args, kwargs), _arg_leaf)
            out_struct = encode_structure(cf.structured_outputs, _out_leaf(cf))
        except StructureError as exc:
            raise SaveError(f"tf.saved_model.save: function {where!r}: {exc}") from None
        return {"graph": graph, "args": arg_struct, "outputs": out_struct,
                "arg_names": params}


def _by_position(args: list, kwargs: dict, params: list) -> tuple:
    """Keyword arguments that name positional parameters moved into `args` (so a call
    may pass them either way), when that keeps the order of the tensor leaves (nest
    flattens keywords by sorted name, after the positional ones)."""
    moved = []
    for name in params[len(args):]:
        if name not in kwargs:
            break
        moved.append(name)
    rest = [k for k in kwargs if k not in moved]
    if not moved or moved != sorted(moved) or (rest and max(moved) > min(rest)):
        return args, kwargs
    return args + [kwargs[k] for k in moved], {k: kwargs[k] for k in rest}


def _arg_leaf(x: Any) -> Any:
    if isinstance(x, TensorSpec):
        return {"spec": [_dims(x.shape), x.dtype.name, x.name]}
    return {"python": x}


def _out_leaf(cf: ConcreteFunction) -> Any:
    python = iter(cf._out_python)

    def leaf(x: Any) -> Any:
        p = next(python)
        return {"tensor": True} if isinstance(x, TensorOps) else {"python": p}
    return leaf


def _dims(shape: Any) -> Any:
    shape = TensorShape(shape)
    return None if shape.rank is None else shape.as_list()


def _signature_entries(obj: Any, signatures: Any, keras_fn: Any) -> dict:
    """name -> ConcreteFunction of the signatures to write."""
    if signatures is None:
        if keras_fn is not None:
            return {"serving_default": keras_fn.get_concrete_function()}
        with_sig = [(f, method) for f, _, method in _functions_of(obj).values()
                    if f.input_signature is not None]
        if len(with_sig) == 1:
            f, method = with_sig[0]
            cf = f.get_concrete_function(obj) if method else f.get_concrete_function()
            # a function of composites stays a function (signatures are dense tensors)
            return {} if _has_composites(cf) else {"serving_default": cf}
        return {}
    if not isinstance(signatures, dict):
        signatures = {"serving_default": signatures}
    out = {}
    for name, s in signatures.items():
        if isinstance(s, ConcreteFunction):
            out[name] = s
        elif hasattr(s, "get_concrete_function"):
            try:
                out[name] = s.get_concrete_function()
            except (TypeError, ValueError) as exc:
                raise SaveError(f"tf.saved_model.save: signature {name!r} is an "
                                f"ember.function without an input_signature; pass "
                                f"f.get_concrete_function(tf.TensorSpec(...)) "
                                f"instead ({exc}).") from None
        else:
            raise SaveError(f"tf.saved_model.save: signature {name!r} must be an "
                            f"ember.function or a concrete function, received "
                            f"{type(s).__name__}.")
    return out


# -- save ----------------------------------------------------------------------------

def save(obj: Any, export_dir: str, signatures: Any = None, options: Any = None) -> None:
    """Writes `obj`'s functions, Variables and signatures to `export_dir` (TF's
    `tf.saved_model.save`). Nothing is written if a function can't be stored (a
    `py_function`, a Variable argument, ...): the error says which.

    Example:
        >>> import tempfile, ember as tf
        >>> m = tf.Module()
        >>> m.w = tf.Variable([1.0, 2.0])
        >>> m.f = tf.function(lambda x: x + m.w, input_signature=[tf.TensorSpec([2])])
        >>> path = tempfile.mkdtemp()
        >>> tf.saved_model.save(m, path)
        >>> sorted(os.listdir(path))
        ['constants.npz', 'saved_model.json', 'variables.npz']
    """
    saver = _Saver()
    keras_fn = _keras_call(obj) if _is_keras(obj) else None
    for v in getattr(obj, "variables", ()) or ():
        if isinstance(v, Variable):
            saver.variable_index(v)
    root = saver.node(obj, "")
    if keras_fn is not None and "__call__" not in root["functions"]:
        root["functions"]["__call__"] = saver.function(
            keras_fn, [keras_fn.get_concrete_function()], "__call__")
    sigs = {}
    for name, cf in _signature_entries(obj, signatures, keras_fn).items():
        entry = saver.concrete(cf, f"signature {name}")
        try:
            entry["input_names"], entry["output_names"] = _signature_names(cf, entry)
        except StructureError as exc:
            raise SaveError(f"tf.saved_model.save: signature {name!r}: {exc}") from None
        sigs[name] = entry
    meta = {"format": FORMAT, "version": VERSION, "root": root,
            "functions": saver.functions, "signatures": sigs,
            "variables": [_variable_meta(v) for v in saver.variables]}
    os.makedirs(export_dir, exist_ok=True)
    values = {f"v{i}": _storable(np.asarray(v._value)) for i, v in enumerate(saver.variables)}
    consts = {f"c{i}": _storable(a) for i, a in enumerate(saver.arrays)}
    np.savez(os.path.join(export_dir, "variables.npz"), **{k: a for k, (a, _) in values.items()})
    np.savez(os.path.join(export_dir, "constants.npz"), **{k: a for k, (a, _) in consts.items()})
    meta["object_arrays"] = {"variables": [k for k, (_, o) in values.items() if o],
                             "constants": [k for k, (_, o) in consts.items() if o]}
    with open(os.path.join(export_dir, FILENAME), "w") as f:
        json.dump(meta, f)


def _storable(a: np.ndarray) -> tuple:
    """(an array np.savez can write without pickling, whether it was an object array of
    strings)."""
    if a.dtype == object:
        return np.array([x if isinstance(x, bytes) else str(x).encode() for x in a.ravel()],
                        dtype=bytes).reshape(a.shape), True
    return a, False


def _variable_meta(v: Variable) -> dict:
    declared = v._shape if v._shape is not None else TensorShape(np.shape(v._value))
    return {"name": v.name, "dtype": v.dtype.name, "shape": _dims(declared),
            "trainable": bool(v.trainable)}


def _signature_names(cf: ConcreteFunction, entry: dict) -> tuple:
    """(input names, output names) of a signature, as TF names them: each tensor after
    its TensorSpec's name, else its parameter (`inputs`, then `inputs_1`, ... for the
    tensors of a list argument); outputs `output_i`, or the keys of a returned dict."""
    fn, (args, kwargs) = getattr(cf, "_signature", (None, ((), {})))
    if _has_composites(cf):
        raise StructureError("a signature takes and returns dense tensors; this function "
                             "has a SparseTensor / RaggedTensor / IndexedSlices argument "
                             "or result. Save it as a function attribute and call "
                             "loaded.<name>(...), or pass its component tensors")
    params = positional_names(fn)
    if params and params[0] == "self" and args and not isinstance(args[0], TensorSpec):
        args, params = args[1:], params[1:]
    if kwargs:
        raise StructureError("a signature takes its tensors by position (no keyword "
                             "arguments)")
    names: list = []
    for j, a in enumerate(args):
        base = params[j] if j < len(params) else f"args_{j}"
        leaves = nest.flatten(a)
        if not all(isinstance(x, TensorSpec) for x in leaves):
            raise StructureError("a signature takes tensors only (no Python values)")
        for k, leaf in enumerate(leaves):
            name = leaf.name or (base if k == 0 else f"{base}_{k}")
            while name in names:
                name += "_1"
            names.append(name)
    out = cf.structured_outputs
    out_names = sorted(out) if isinstance(out, dict) else \
        [f"output_{i}" for i in range(len(cf._out_python))]
    return names, out_names


def _has_composites(cf: ConcreteFunction) -> bool:
    _, (args, kwargs) = getattr(cf, "_signature", (None, ((), {})))
    return has_composite((args, kwargs)) or has_composite(cf.structured_outputs)


# -- load ----------------------------------------------------------------------------

def contains_saved_model(export_dir: str) -> bool:
    """Whether `export_dir` holds an ember SavedModel (TF's
    `tf.saved_model.contains_saved_model`)."""
    return os.path.isfile(os.path.join(os.fspath(export_dir), FILENAME))


def load(export_dir: str, tags: Any = None, options: Any = None) -> LoadedObject:
    """The object `save` wrote to `export_dir`, rebuilt from data (TF's
    `tf.saved_model.load`): its Variables, attributes, functions (running the stored
    graphs) and `.signatures`. No Python source of the model is needed.

    Example:
        >>> import tempfile, ember as tf
        >>> m = tf.Module()
        >>> m.f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None])])
        >>> path = tempfile.mkdtemp()
        >>> tf.saved_model.save(m, path)
        >>> loaded = tf.saved_model.load(path)
        >>> loaded.f(tf.constant([1.0])).numpy(), list(loaded.signatures)
        (array([2.], dtype=float32), ['serving_default'])
    """
    export_dir = os.fspath(export_dir)
    path = os.path.join(export_dir, FILENAME)
    if not os.path.isfile(path):
        raise OSError(f"tf.saved_model.load: {export_dir!r} holds no ember SavedModel (no "
                      f"{FILENAME}); a TensorFlow SavedModel (saved_model.pb) can't be read "
                      f"by ember.")
    with open(path) as f:
        meta = json.load(f)
    if meta.get("format") != FORMAT:
        raise GraphLoadError(f"tf.saved_model.load: {path} is not an ember SavedModel "
                             f"(format {meta.get('format')!r}).")
    version = meta.get("version")
    if version not in READABLE_VERSIONS:
        raise GraphLoadError(f"tf.saved_model.load: {path} has format version {version}; "
                             f"this ember reads versions {list(READABLE_VERSIONS)}. Upgrade "
                             f"ember to load it.")
    objects = meta.get("object_arrays", {})
    values = _read_npz(os.path.join(export_dir, "variables.npz"), objects.get("variables"))
    arrays = _read_npz(os.path.join(export_dir, "constants.npz"), objects.get("constants"))
    variables = []
    for i, vm in enumerate(meta["variables"]):
        name = vm["name"][:-2] if vm["name"].endswith(":0") else vm["name"]
        variables.append(Variable(values[f"v{i}"], trainable=vm["trainable"], name=name,
                                  shape=TensorShape(vm["shape"])))
    consts = [arrays[f"c{i}"] for i in range(len(arrays))]
    functions = {key: _load_function(entry, consts, variables)
                 for key, entry in meta["functions"].items()}
    built: dict = {}
    root = _load_node(meta["root"], "", variables, functions, built)
    root._saved_variables = variables
    sigs = {name: Signature(name, _load_concrete(entry, consts, variables, name),
                            entry["input_names"], entry["output_names"])
            for name, entry in meta["signatures"].items()}
    root.signatures = sigs
    return root


def _read_npz(path: str, object_keys: Any) -> dict:
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for k in object_keys or ():
        out[k] = out[k].astype(object)
    return out


def _load_concrete(entry: dict, consts: list, variables: list, name: str) -> Any:
    base = entry["graph"].get("array_base", 0)
    graph = decode_graph(entry["graph"], consts[base:], variables)
    args = decode_structure(entry["args"])
    outputs = decode_structure(entry["outputs"])
    return loaded_concrete(graph, args, outputs, entry.get("arg_names", []), name)


def _load_function(entry: dict, consts: list, variables: list) -> LoadedFunction:
    name = entry["name"]
    return LoadedFunction(name, [_load_concrete(c, consts, variables, name)
                                 for c in entry["concrete"]])


def _load_node(node: dict, path: str, variables: list, functions: dict,
               built: dict) -> LoadedObject:
    if "ref" in node:
        return built[node["ref"]]
    obj = LoadedObject(node.get("name"), node.get("type", "object"))
    built[path] = obj
    for name, value in node["attrs"].items():
        setattr(obj, name, _load_value(value, f"{path}/{name}" if path else name, variables,
                                       functions, built))
    for name, key in node["functions"].items():
        obj._set_function(name, functions[key])
    return obj


def _load_value(value: dict, path: str, variables: list, functions: dict,
                built: dict) -> Any:
    (kind, x), = value.items()
    if kind == "variable":
        return variables[x]
    if kind == "object":
        return _load_node(x, path, variables, functions, built)
    if kind == "dict":
        return {k: _load_value(v, f"{path}/{k}", variables, functions, built)
                for k, v in x.items()}
    items = [_load_value(v, f"{path}/{i}", variables, functions, built)
             for i, v in enumerate(x)]
    return tuple(items) if kind == "tuple" else items
