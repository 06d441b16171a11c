"""`keras.utils.split_dataset` and the directory indexing shared by
`image_dataset_from_directory` / `text_dataset_from_directory`.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> left, right = keras.utils.split_dataset(np.arange(10), left_size=0.8)
    >>> [int(x) for x in right]
    [8, 9]
"""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np

from ...core import nest
from ...data.dataset import Dataset

__all__ = ["split_dataset"]


def _is_dataset(x: Any) -> bool:
    return isinstance(x, Dataset)


def _batch_size(ds: Any) -> int | None:
    """The batch size of a dataset made by `.batch(n)` (looking through prefetch)."""
    while ds is not None:
        if type(ds).__name__ == "BatchDataset":
            return getattr(ds, "_bs", None)
        if type(ds).__name__ != "PassThroughDataset":
            return None
        ds = getattr(ds, "_input", None)
    return None


def _as_numpy(x: Any) -> Any:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _samples(dataset: Any) -> list:
    """The dataset as a list of samples (each a NumPy array or a tuple/dict of them)."""
    if isinstance(dataset, (list, tuple)):
        kind = type(dataset).__name__
        if not dataset:
            raise ValueError(f"split_dataset: received an empty {kind}. Pass a non-empty "
                             f"{kind} of NumPy arrays of the same length.")
        arrays = []
        for i, a in enumerate(dataset):
            if not isinstance(a, np.ndarray):
                raise ValueError(f"split_dataset: expected a {kind} of NumPy arrays, but item "
                                 f"{i} is a {type(a).__name__}. Convert it with np.asarray.")
            if a.ndim == 0 or len(a) != len(dataset[0]):
                raise ValueError(
                    f"split_dataset: the arrays of the {kind} must have the same length "
                    f"(their first dimension); item 0 has shape {dataset[0].shape}, item {i} "
                    f"has shape {a.shape}.")
            arrays.append(a)
        return [tuple(a[i] for a in arrays) for i in range(len(arrays[0]))]
    if isinstance(dataset, np.ndarray):
        if dataset.ndim == 0:
            raise ValueError("split_dataset: a NumPy array to split needs at least one "
                             "dimension (the samples).")
        return list(dataset)
    if _is_dataset(dataset):
        if _batch_size(dataset) is not None:
            dataset = dataset.unbatch()
        return [nest.map_structure(_as_numpy, e) for e in dataset]
    raise TypeError(f"split_dataset: `dataset` must be an ember.data.Dataset, a NumPy array, "
                    f"or a list/tuple of NumPy arrays. Received: {type(dataset).__name__}.")


def _sizes(left: Any, right: Any, total: int) -> tuple:
    for name, v in (("left_size", left), ("right_size", right)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(f"split_dataset: {name} must be an int (a number of samples), a "
                            f"float (a fraction) or None. Received: {name}={v!r} "
                            f"({type(v).__name__}).")
    if left is None and right is None:
        raise ValueError("split_dataset: pass left_size or right_size (or both), e.g. "
                         "left_size=0.8 for an 80/20 split.")
    for name, v in (("left_size", left), ("right_size", right)):
        if (type(v) is int and not 0 < v < total) or (type(v) is float and not 0 < v < 1):
            raise ValueError(f"split_dataset: {name} must be an int in (0, {total}) or a float "
                             f"in (0, 1), for a dataset of {total} samples. Received: "
                             f"{name}={v!r}.")
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} is more "
                         f"than 1.")
    n_left = round(left * total) if type(left) is float else left
    n_right = round(right * total) if type(right) is float else right
    n_left = total - n_right if n_left is None else n_left
    n_right = total - n_left if n_right is None else n_right
    if n_left + n_right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {n_left + n_right} samples "
                         f"is more than the dataset's {total}.")
    if n_left == 0 or n_right == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left!r} and "
                         f"right_size={right!r} leave the {'left' if n_left == 0 else 'right'}"
                         f" split empty; adjust them.")
    return int(n_left), int(n_right)


def _to_dataset(samples: list) -> Any:
    first = samples[0]
    if isinstance(first, (tuple, dict, list)):
        flat = [nest.flatten(s) for s in samples]
        cols = [np.array(c) for c in zip(*flat)]
        structure = tuple(first) if isinstance(first, list) else first
        return Dataset.from_tensor_slices(nest.pack_sequence_as(structure, cols))
    return Dataset.from_tensor_slices(np.array(samples))


def split_dataset(dataset: Any, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False,
                  seed: int | None = None) -> tuple:
    """Splits a dataset into a left and a right `ember.data.Dataset`, as Keras does.

    The samples are read into memory (this is for small datasets), shuffled with Python's
    `random.Random(seed)` when `shuffle=True` (the permutation Keras' `random.seed(seed);
    random.shuffle(...)` gives, without touching the global `random` state), then the
    first `left_size` go left and the last `right_size` go right. A batched dataset is
    unbatched first and both splits are batched again with its batch size.

    Args:
        dataset: an `ember.data.Dataset`, a NumPy array, or a list/tuple of NumPy arrays
            of the same length (samples are then tuples).
        left_size: an int (samples) or a float in (0, 1) (a fraction, rounded); None: the
            rest after `right_size`.
        right_size: likewise; None: the rest after `left_size`.
        shuffle: shuffle the samples before splitting.
        seed: the shuffle's seed (None: a random one).

    Returns:
        `(left, right)`, two `ember.data.Dataset`s.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
        >>> left, right = keras.utils.split_dataset((x, y), right_size=2)
        >>> len(left), [int(label) for _, label in right]
        (3, [3, 4])
    """
    samples = _samples(dataset)
    if not samples:
        raise ValueError("split_dataset: received an empty dataset; there is nothing to split.")
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)
    n_left, n_right = _sizes(left_size, right_size, len(samples))
    left, right = _to_dataset(samples[:n_left]), _to_dataset(samples[-n_right:])
    bs = _batch_size(dataset) if _is_dataset(dataset) else None
    if bs is not None:
        left, right = left.batch(bs), right.batch(bs)
    return left, right


# ------------------------------------------------------------- indexing a directory tree

def index_directory(directory: str, labels: Any, formats: tuple, class_names: Any = None,
                    shuffle: bool = True, seed: int | None = None, follow_links: bool = False,
                    verbose: bool = True, what: str = "image_dataset_from_directory") -> tuple:
    """`(file_paths, labels, class_names)` of the files under `directory` ending in one
    of `formats`, as Keras lists them: class folders sorted, files sorted within each
    folder (walking subfolders in sorted order), then, with `shuffle`, both lists
    permuted by `np.random.RandomState(seed)`."""
    if not os.path.isdir(directory):
        raise ValueError(f"{what}: directory {directory!r} does not exist or is not a folder.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"{what}: class_names {list(class_names)} do not match the "
                                 f"subfolders of {directory}: expected {subdirs} (or a subset "
                                 f"of it).")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(f"{what}: class_names can only be given with labels='inferred' "
                             f"(with a list of labels, class_names are the sorted labels).")
    class_indices = {c: i for i, c in enumerate(subdirs)}
    filenames, found_labels = [], []
    for sub in subdirs:
        folder = os.path.join(directory, sub)
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links),
                                     key=lambda t: t[0]):
            for fname in sorted(files):
                if fname.lower().endswith(formats):
                    filenames.append(os.path.join(sub, os.path.relpath(
                        os.path.join(root, fname), folder)) if sub else
                        os.path.relpath(os.path.join(root, fname), folder))
                    found_labels.append(class_indices[sub])
    if labels == "inferred":
        labels_out: Any = np.array(found_labels, dtype="int32")
        names: Any = subdirs
    elif labels is None:
        labels_out, names = None, None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"{what}: {len(labels)} labels were given but {len(filenames)} "
                             f"files were found in {directory}; pass one label per file (in "
                             f"the sorted order of their paths).")
        labels_out = list(labels)
        names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels_out is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(names)} classes.")
    paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if labels_out is not None:
            np.random.RandomState(seed).shuffle(labels_out)
    return paths, labels_out, names


def training_or_validation_split(samples: list, labels: Any, validation_split: Any,
                                 subset: str | None) -> tuple:
    """The last `int(validation_split * n)` samples are the validation subset."""
    if not validation_split:
        return samples, labels
    n_val = int(validation_split * len(samples))
    n_train = len(samples) - n_val
    if subset == "training":
        print(f"Using {n_train} files for training.")
        return samples[:n_train], None if labels is None else labels[:n_train]
    print(f"Using {n_val} files for validation.")
    return samples[n_train:], None if labels is None else labels[n_train:]


def check_validation_split_arg(validation_split: Any, subset: Any, shuffle: bool, seed: Any,
                               what: str) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{what}: validation_split must be between 0 and 1. Received: "
                         f"validation_split={validation_split!r}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{what}: pass both validation_split and subset "
                         f"('training', 'validation' or 'both'), or neither. Received: "
                         f"validation_split={validation_split!r}, subset={subset!r}")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{what}: subset must be 'training', 'validation' or 'both'. "
                         f"Received: subset={subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{what}: with validation_split and shuffle=True, pass a seed, so "
                         f"that the training and validation subsets don't overlap.")


def labels_to_dataset(labels: Any, label_mode: str, num_classes: int) -> Any:
    """int: int32 ids; binary: float32 (n, 1); categorical: float32 one-hot rows."""
    ids = np.asarray(labels).astype("int32")
    if label_mode == "binary":
        return Dataset.from_tensor_slices(ids.astype("float32")[:, None])
    if label_mode == "categorical":
        return Dataset.from_tensor_slices(np.eye(num_classes, dtype="float32")[ids])
    return Dataset.from_tensor_slices(ids)


def check_labels_arg(labels: Any, label_mode: Any, class_names: Any, what: str) -> None:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"{what}: labels must be 'inferred' (from the subfolder names), "
                             f"None (no labels), or a list/tuple of integer labels, one per "
                             f"file in the sorted order of their paths. Received: "
                             f"labels={labels!r}")
        if class_names:
            raise ValueError(f"{what}: class_names can only be passed with "
                             f"labels='inferred'. Received: labels={labels!r}, and "
                             f"class_names={class_names!r}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{what}: label_mode must be 'int', 'categorical', 'binary' or "
                         f"None. Received: label_mode={label_mode!r}")


def directory_dataset(what: str, directory: str, labels: Any, label_mode: Any,
                      class_names: Any, batch_size: Any, shuffle: bool, seed: Any,
                      validation_split: Any, subset: Any, follow_links: bool, verbose: bool,
                      formats: tuple, load: Any) -> Any:
    """The pipeline both `*_dataset_from_directory` build, as Keras builds it: index the
    files, split off the validation files, then per subset `(path, label)` slices ->
    shuffle (buffer 8 * batch_size, the index seed) -> `load(path)` -> batch; the datasets
    get `class_names` and `file_paths` attributes."""
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, (int, np.integer)) or
                                   batch_size <= 0):
        raise ValueError(f"{what}: batch_size must be a positive int or None. Received: "
                         f"batch_size={batch_size!r}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed, what)
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, labels, class_names = index_directory(
        directory, labels, formats, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose, what=what)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{what}: label_mode='binary' needs exactly 2 classes. Received: "
                         f"class_names={class_names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(class_names) if class_names else 0
    kinds = ", ".join(formats)

    def build(sub_paths: list, sub_labels: Any, shuffled: bool, name: str) -> Any:
        if not sub_paths:
            raise ValueError(f"{what}: no {name}files found in directory {directory}. Allowed "
                             f"formats: {kinds}")
        ds = Dataset.from_tensor_slices(list(sub_paths))
        if label_mode:
            ds = Dataset.zip((ds, labels_to_dataset(sub_labels, label_mode, num_classes)))
        if shuffled:
            ds = ds.shuffle(buffer_size=buffer, seed=seed)
        if label_mode:
            ds = ds.map(lambda p, y: (load(p), y))
        else:
            ds = ds.map(load)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds.class_names = class_names
        ds.file_paths = list(sub_paths)
        return ds

    if subset == "both":
        tp, tl = training_or_validation_split(paths, labels, validation_split, "training")
        vp, vl = training_or_validation_split(paths, labels, validation_split, "validation")
        return [build(tp, tl, shuffle, "training "), build(vp, vl, False, "validation ")]
    paths, labels = training_or_validation_split(paths, labels, validation_split, subset)
    return build(paths, labels, shuffle, "")
