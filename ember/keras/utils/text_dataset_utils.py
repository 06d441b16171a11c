"""`keras.utils.text_dataset_from_directory`: a dataset of `(text, label)` from a folder of
`.txt` files, one subfolder per class.

Example:
    >>> import os, tempfile
    >>> from ember import keras
    >>> root = tempfile.mkdtemp()
    >>> for cls, text in (("neg", "bad"), ("pos", "good")):
    ...     os.makedirs(os.path.join(root, cls))
    ...     with open(os.path.join(root, cls, "a.txt"), "w") as f:
    ...         _ = f.write(text)
    >>> ds = keras.utils.text_dataset_from_directory(root, shuffle=False, verbose=False)
    >>> ds.class_names, [(t.numpy().tolist(), y.numpy().tolist()) for t, y in ds]
    (['neg', 'pos'], [([b'bad', b'good'], [0, 1])])
"""

from __future__ import annotations

from typing import Any

import ember as tf

from .dataset_utils import check_labels_arg, directory_dataset

__all__ = ["text_dataset_from_directory"]


def text_dataset_from_directory(directory: str, labels: Any = "inferred",
                                label_mode: str | None = "int", class_names: Any = None,
                                batch_size: int | None = 32, max_length: int | None = None,
                                shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False,
                                verbose: bool = True) -> Any:
    """A dataset of the `.txt` files under `directory` as `tf.string` scalars (the raw
    bytes), with labels as Keras makes them.

    Args:
        directory: with `labels="inferred"`, one subfolder per class
            (`directory/class_a/*.txt`, ...); subfolders of those are read too.
        labels: "inferred", None, or a list/tuple of integer labels, one per file in the
            sorted order of their paths.
        label_mode: "int" (int32 ids), "categorical" (float32 one-hot), "binary" (float32
            0/1 of shape (1,), exactly 2 classes) or None (texts only).
        class_names: with "inferred", the class folders to use, in label order.
        batch_size: texts per batch (None: unbatched).
        max_length: keep at most this many bytes of each text.
        shuffle: shuffle the files (np.random.RandomState(seed), as Keras) and each epoch
            through a buffer of 8 * batch_size.
        seed: the seed (needed with validation_split and shuffle).
        validation_split: the fraction of files held out (the last ones after the shuffle).
        subset: "training", "validation" or "both" (a list [train, validation]).
        follow_links: follow symbolic links to subfolders.
        verbose: print how many files and classes were found.

    Returns:
        An `ember.data.Dataset` (or a list of two with subset="both") with `class_names`
        and `file_paths` attributes.
    """
    what = "text_dataset_from_directory"
    check_labels_arg(labels, label_mode, class_names, what)
    if max_length is not None and (isinstance(max_length, bool) or
                                   not isinstance(max_length, int) or max_length < 0):
        raise ValueError(f"{what}: max_length must be an int >= 0 or None. Received: "
                         f"max_length={max_length!r}")

    def load(path: Any) -> Any:
        p = path.numpy() if hasattr(path, "numpy") else path
        with open(p.decode() if isinstance(p, bytes) else p, "rb") as f:
            text = f.read() if max_length is None else f.read(max_length)
        return tf.constant(text)

    return directory_dataset(what, directory, labels, label_mode, class_names, batch_size,
                             shuffle, seed, validation_split, subset, follow_links, verbose,
                             (".txt",), load)
