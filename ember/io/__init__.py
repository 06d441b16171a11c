"""`ember.io`: TF's `tf.io` — files, CSV, TFRecords, tf.train.Example parsing, images.

- `read_file` / `write_file`, and `gfile` (local filesystem);
- `decode_csv`;
- `TFRecordWriter`, `TFRecordOptions`, `tf_record_iterator` (read them back with
  `tf.data.TFRecordDataset`);
- `parse_single_example` / `parse_example` with `FixedLenFeature` / `VarLenFeature`
  (a VarLenFeature parses to a dense, zero-padded tensor: ember has no SparseTensor);
- `decode_png` / `decode_jpeg` / `decode_image` / `encode_png` / `encode_jpeg` (Pillow:
  `pip install ember[image]`);
- `decode_raw` (the bytes of strings as numbers);
- `serialize_tensor` / `parse_tensor` are not supported yet.

Example:
    >>> import os, tempfile, ember as tf
    >>> from ember.io.example_pb import Example, Features, Feature, Int64List
    >>> path = os.path.join(tempfile.mkdtemp(), "data.tfrecord")
    >>> with tf.io.TFRecordWriter(path) as w:
    ...     for i in range(3):
    ...         f = Features(feature={"i": Feature(int64_list=Int64List(value=[i]))})
    ...         w.write(Example(features=f).SerializeToString())
    >>> spec = {"i": tf.io.FixedLenFeature([], tf.int64)}
    >>> ds = tf.data.TFRecordDataset(path).map(lambda r: tf.io.parse_single_example(r, spec))
    >>> [int(e["i"]) for e in ds]
    [0, 1, 2]
"""

from __future__ import annotations

from . import gfile
from .images import (decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png,
                     encode_jpeg, encode_png)
from .parsing import (FixedLenFeature, VarLenFeature, decode_csv, parse_example,
                      parse_single_example, read_file, write_file)
from .raw import decode_raw
from .tfrecord import TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["gfile", "read_file", "write_file", "decode_csv", "TFRecordWriter",
           "TFRecordOptions", "tf_record_iterator", "FixedLenFeature", "VarLenFeature",
           "parse_example", "parse_single_example", "decode_png", "decode_jpeg",
           "decode_image", "decode_gif", "decode_bmp", "encode_png", "encode_jpeg", "decode_raw"]
