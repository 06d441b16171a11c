"""Survey: which primitives of Keras layers' predict graphs have no ONNX emitter (issue 19).

Run: .venv/bin/python tools/onnx_layer_survey.py [--check]  (--check also runs each fully
mapped export in onnxruntime against ember at batch sizes 1 and 3)."""
import collections, sys, traceback
import numpy as np
import ember as tf
from ember import keras
from ember.keras import layers as L
from ember.export import onnx_export as ox

IMG = (8, 8, 3)
SEQ = (6, 4)
VEC = (5,)
VOL = (4, 4, 4, 2)
f32 = "float32"
# name -> (constructor, input shape, input dtype) ; None: skip (reason)
C = {
 "Activation": (lambda: L.Activation("relu"), VEC),
 "ActivityRegularization": (lambda: L.ActivityRegularization(0.1), VEC),
 "AdaptiveAveragePooling1D": (lambda: L.AdaptiveAveragePooling1D(3), SEQ),
 "AdaptiveAveragePooling2D": (lambda: L.AdaptiveAveragePooling2D((3, 3)), IMG),
 "AdaptiveAveragePooling3D": (lambda: L.AdaptiveAveragePooling3D((2, 2, 2)), VOL),
 "AdaptiveMaxPooling1D": (lambda: L.AdaptiveMaxPooling1D(3), SEQ),
 "AdaptiveMaxPooling2D": (lambda: L.AdaptiveMaxPooling2D((3, 3)), IMG),
 "AdaptiveMaxPooling3D": (lambda: L.AdaptiveMaxPooling3D((2, 2, 2)), VOL),
 "AdditiveAttention": ("list", lambda: L.AdditiveAttention(), SEQ),
 "Attention": ("list", lambda: L.Attention(), SEQ),
 "AlphaDropout": (lambda: L.AlphaDropout(0.3), VEC),
 "AugMix": (lambda: L.AugMix(), IMG),
 "AutoContrast": (lambda: L.AutoContrast(), IMG),
 "AveragePooling1D": (lambda: L.AveragePooling1D(2), SEQ),
 "AveragePooling2D": (lambda: L.AveragePooling2D(2), IMG),
 "AveragePooling3D": (lambda: L.AveragePooling3D(2), VOL),
 "BatchNormalization": (lambda: L.BatchNormalization(), IMG),
 "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3)), SEQ),
 "CategoryEncoding": (lambda: L.CategoryEncoding(6, output_mode="multi_hot"), (3,), "int32"),
 "CenterCrop": (lambda: L.CenterCrop(4, 4), IMG),
 "ContrastLimitedAdaptiveHistogramEqualization": (lambda: L.ContrastLimitedAdaptiveHistogramEqualization(), IMG),
 "Conv1D": (lambda: L.Conv1D(3, 3, padding="same"), SEQ),
 "Conv1DTranspose": (lambda: L.Conv1DTranspose(3, 3, strides=2), SEQ),
 "Conv2D": (lambda: L.Conv2D(3, 3), IMG),
 "Conv2DTranspose": (lambda: L.Conv2DTranspose(3, 3, strides=2), IMG),
 "Conv3D": (lambda: L.Conv3D(2, 2), VOL),
 "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2), VOL),
 "ConvLSTM1D": (lambda: L.ConvLSTM1D(2, 3, padding="same"), (3, 6, 2)),
 "ConvLSTM2D": (lambda: L.ConvLSTM2D(2, 3, padding="same"), (3, 5, 5, 2)),
 "ConvLSTM3D": (lambda: L.ConvLSTM3D(2, 2, padding="same"), (2, 3, 3, 3, 2)),
 "Cropping1D": (lambda: L.Cropping1D(1), SEQ),
 "Cropping2D": (lambda: L.Cropping2D(1), IMG),
 "Cropping3D": (lambda: L.Cropping3D(1), VOL),
 "CutMix": (lambda: L.CutMix(), IMG),
 "Dense": (lambda: L.Dense(3), VEC),
 "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3), SEQ),
 "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3), IMG),
 "Discretization": (lambda: L.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]), VEC),
 "Dropout": (lambda: L.Dropout(0.5), VEC),
 "ELU": (lambda: L.ELU(), VEC),
 "EinsumDense": (lambda: L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c"), VEC),
 "Embedding": (lambda: L.Embedding(10, 3), (4,), "int32"),
 "Equalization": (lambda: L.Equalization(), IMG),
 "Flatten": (lambda: L.Flatten(), IMG),
 "GRU": (lambda: L.GRU(3), SEQ),
 "GaussianDropout": (lambda: L.GaussianDropout(0.3), VEC),
 "GaussianNoise": (lambda: L.GaussianNoise(0.3), VEC),
 "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(), SEQ),
 "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), IMG),
 "GlobalAveragePooling3D": (lambda: L.GlobalAveragePooling3D(), VOL),
 "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), SEQ),
 "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), IMG),
 "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(), VOL),
 "GroupNormalization": (lambda: L.GroupNormalization(groups=2), (4, 4, 4)),
 "GroupQueryAttention": ("pair", lambda: L.GroupQueryAttention(4, 2, 1), (6, 8)),
 "HashedCrossing": None,
 "Hashing": (lambda: L.Hashing(5), (3,), "int64"),
 "Identity": (lambda: L.Identity(), VEC),
 "IntegerLookup": (lambda: L.IntegerLookup(vocabulary=[3, 5, 7]), (3,), "int64"),
 "LSTM": (lambda: L.LSTM(3), SEQ),
 "LayerNormalization": (lambda: L.LayerNormalization(), SEQ),
 "LeakyReLU": (lambda: L.LeakyReLU(), VEC),
 "Masking": (lambda: L.Masking(), SEQ),
 "MaxPooling1D": (lambda: L.MaxPooling1D(2), SEQ),
 "MaxPooling2D": (lambda: L.MaxPooling2D(2), IMG),
 "MaxPooling3D": (lambda: L.MaxPooling3D(2), VOL),
 "MelSpectrogram": (lambda: L.MelSpectrogram(fft_length=64, sequence_stride=16, sequence_length=32, num_mel_bins=8), (128,)),
 "MixUp": (lambda: L.MixUp(), IMG),
 "MultiHeadAttention": ("pair", lambda: L.MultiHeadAttention(2, 3), SEQ),
 "Normalization": (lambda: L.Normalization(mean=0.5, variance=2.0), VEC),
 "PReLU": (lambda: L.PReLU(), VEC),
 "Permute": (lambda: L.Permute((2, 1)), SEQ),
 "RMSNormalization": (lambda: L.RMSNormalization(), SEQ),
 "RandAugment": (lambda: L.RandAugment(), IMG),
 "RandomBrightness": (lambda: L.RandomBrightness(0.2), IMG),
 "RandomColorDegeneration": (lambda: L.RandomColorDegeneration(0.2), IMG),
 "RandomColorJitter": (lambda: L.RandomColorJitter(), IMG),
 "RandomContrast": (lambda: L.RandomContrast(0.2), IMG),
 "RandomCrop": (lambda: L.RandomCrop(4, 4), IMG),
 "RandomElasticTransform": (lambda: L.RandomElasticTransform(), IMG),
 "RandomErasing": (lambda: L.RandomErasing(), IMG),
 "RandomFlip": (lambda: L.RandomFlip(), IMG),
 "RandomGaussianBlur": (lambda: L.RandomGaussianBlur(), IMG),
 "RandomGrayscale": (lambda: L.RandomGrayscale(), IMG),
 "RandomHue": (lambda: L.RandomHue(0.2), IMG),
 "RandomInvert": (lambda: L.RandomInvert(), IMG),
 "RandomPerspective": (lambda: L.RandomPerspective(), IMG),
 "RandomPosterization": (lambda: L.RandomPosterization(4, value_range=(0, 255)), IMG),
 "RandomRotation": (lambda: L.RandomRotation(0.2), IMG),
 "RandomSaturation": (lambda: L.RandomSaturation(0.2), IMG),
 "RandomSharpness": (lambda: L.RandomSharpness(0.2), IMG),
 "RandomShear": (lambda: L.RandomShear(0.2), IMG),
 "RandomTranslation": (lambda: L.RandomTranslation(0.2, 0.2), IMG),
 "RandomZoom": (lambda: L.RandomZoom(0.2), IMG),
 "ReLU": (lambda: L.ReLU(), VEC),
 "RepeatVector": (lambda: L.RepeatVector(3), VEC),
 "Rescaling": (lambda: L.Rescaling(0.5, 1.0), VEC),
 "Reshape": (lambda: L.Reshape((4, 6)), SEQ),
 "Resizing": (lambda: L.Resizing(5, 6), IMG),
 "ReversibleEmbedding": (lambda: L.ReversibleEmbedding(10, 3), (4,), "int32"),
 "STFTSpectrogram": (lambda: L.STFTSpectrogram(frame_length=32, frame_step=16, fft_length=32), (128, 1)),
 "SeparableConv1D": (lambda: L.SeparableConv1D(3, 3), SEQ),
 "SeparableConv2D": (lambda: L.SeparableConv2D(3, 3), IMG),
 "SimpleRNN": (lambda: L.SimpleRNN(3), SEQ),
 "Softmax": (lambda: L.Softmax(), VEC),
 "Solarization": (lambda: L.Solarization(0.5), IMG),
 "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.3), SEQ),
 "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.3), IMG),
 "SpatialDropout3D": (lambda: L.SpatialDropout3D(0.3), VOL),
 "SpectralNormalization": (lambda: L.SpectralNormalization(L.Dense(3)), VEC),
 "StringLookup": None,
 "TextVectorization": None,
 "ThresholdedReLU": (lambda: L.ThresholdedReLU(), VEC),
 "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(3)), SEQ),
 "UnitNormalization": (lambda: L.UnitNormalization(), VEC),
 "UpSampling1D": (lambda: L.UpSampling1D(2), SEQ),
 "UpSampling2D": (lambda: L.UpSampling2D(2), IMG),
 "UpSampling2D_bilinear": (lambda: L.UpSampling2D(2, interpolation="bilinear"), IMG),
 "UpSampling3D": (lambda: L.UpSampling3D(2), VOL),
 "ZeroPadding1D": (lambda: L.ZeroPadding1D(1), SEQ),
 "ZeroPadding2D": (lambda: L.ZeroPadding2D(1), IMG),
 "ZeroPadding3D": (lambda: L.ZeroPadding3D(1), VOL),
 "Add": ("merge", L.Add, SEQ), "Average": ("merge", L.Average, SEQ),
 "Concatenate": ("merge", L.Concatenate, SEQ), "Maximum": ("merge", L.Maximum, SEQ),
 "Minimum": ("merge", L.Minimum, SEQ), "Multiply": ("merge", L.Multiply, SEQ),
 "Subtract": ("merge", L.Subtract, SEQ),
 "Dot": ("merge", lambda: L.Dot(axes=2), SEQ),
}
SKIP = {"Input", "InputLayer", "InputSpec", "Layer", "Wrapper", "RNN", "Lambda", "Pipeline",
        "TFSMLayer", "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells",
        "MaxNumBoundingBoxes", "HashedCrossing", "StringLookup", "TextVectorization"}

CHECK = "--check" in sys.argv
problems = {}
CHECKED = []

def check(n, g, model, sig, problems):
    import onnxruntime as ort
    try:
        proto = ox.graph_to_onnx(g)
        CHECKED.append(n)
        sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        for b in (1, 3):
            rng = np.random.default_rng(b)
            xs = []
            for s in sig:
                shp = [b] + [int(d) for d in s.shape[1:]]
                if s.dtype.name.startswith("int"):
                    xs.append(rng.integers(0, 6, shp).astype(s.dtype.name))
                else:
                    xs.append((rng.uniform(0, 1, shp) * (255 if len(shp) == 4 else 1)).astype(np.float32))
            want = model(xs if len(xs) > 1 else xs[0], training=False)
            want = [np.asarray(w) for w in (want if isinstance(want, (list, tuple)) else [want])]
            got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})
            for w, o in zip(want, got):
                if w.shape != o.shape or not np.allclose(w, o, rtol=1e-4, atol=1e-4):
                    problems[n] = f"value mismatch at batch {b}: max err {np.max(np.abs(w.astype(float) - o)) if w.shape == o.shape else (w.shape, o.shape)}"
                    return
    except Exception as exc:
        problems[n] = f"{type(exc).__name__}: {str(exc)[:200]}"

def survey(verbose=False):
    names = sorted(n for n in dir(L) if n[:1].isupper())
    result, failed, skipped = {}, {}, []
    seen_cls = {}
    for n in names + ["UpSampling2D_bilinear"]:
        if n in SKIP or C.get(n, 0) is None:
            skipped.append(n); continue
        cls = getattr(L, n, None)
        if cls is not None and not isinstance(cls, type):
            continue
        if cls is not None and n not in C and any(getattr(L, m, None) is cls for m in C):
            continue  # alias
        seen_cls[n] = cls
        spec = C.get(n)
        if spec is None:
            failed[n] = "no recipe"; continue
        try:
            if spec[0] in ("pair", "merge", "list"):
                kind, make, shape = spec[:3]
                layer = make()
                a, b = L.Input(shape), L.Input(shape)
                out = layer(a, b) if kind == "pair" else layer([a, b])
                model = keras.Model([a, b], out)
                sig = [tf.TensorSpec([None, *shape]), tf.TensorSpec([None, *shape])]
                fn = tf.function(lambda x, y: model([x, y], training=False))
            else:
                make, shape = spec[:2]
                dt = spec[2] if len(spec) > 2 else "float32"
                inp = L.Input(shape, dtype=dt)
                model = keras.Model(inp, make()(inp))
                sig = [tf.TensorSpec([None, *shape], dt)]
                fn = tf.function(lambda x: model(x, training=False))
            g = fn.get_concrete_function(*sig).graph
            prims = sorted({f"{e.prim.name}" for e in ox._unmapped(g)})
            result[n] = prims
            if not prims and CHECK:
                check(n, g, model, sig, problems)
        except Exception as exc:
            failed[n] = f"{type(exc).__name__}: {str(exc)[:150]}"
            if verbose: traceback.print_exc()
    return result, failed, skipped

if __name__ == "__main__":
    res, failed, skipped = survey("-v" in sys.argv)
    by_prim = collections.defaultdict(list)
    for n, ps in res.items():
        for p in ps: by_prim[p].append(n)
    print(f"layers traced: {len(res)}; with unmapped prims: {sum(1 for v in res.values() if v)}")
    for p in sorted(by_prim):
        print(f"  {p}: {', '.join(by_prim[p])}")
    print("failed to build/trace:")
    for n, why in failed.items(): print(f"  {n}: {why}")
    print("export/run problems (mapped prims):")
    for n, why in problems.items(): print(f"  {n}: {why}")
    print("checked against onnxruntime:", len(CHECKED))
    print("skipped:", ", ".join(skipped))
