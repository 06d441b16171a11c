"""The code examples of the seed documents, run with only their imports changed."""

import contextlib
import io
import runpy
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "seed_examples"


def run_example(name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(HERE / name), run_name="__main__")
    return out.getvalue()


def test_seed004_example1_prints_what_tensorflow_prints():
    # TF formats a tensor in an f-string with NumPy's formatting of its value.
    assert run_example("seed004_example1.py") == (
        "Tensor A:\n[[1. 2.]\n [3. 4.]]\n\n"
        "Tensor Sum:\n[[ 6.  8.]\n [10. 12.]]\n\n"
        "Matrix Multiplication:\n[[19. 22.]\n [43. 50.]]\n\n"
        "Element at [0,1]: 2.0\n"
    )


def test_seed000_example1_sequential_predict_on_a_variable():
    out = run_example("seed000_example1.py")
    assert "1/1\x1b[0m \x1b[32m" + "━" * 20 in out  # Keras 3's bar
    assert out.strip().splitlines()[-1].startswith("Prediction from sequential model: [[")
    value = float(out.strip().splitlines()[-1].split("[[")[1].rstrip("]"))
    assert 0.0 < value < 1.0  # a sigmoid output


def test_seed000_example2_functional_predict_on_identity_of_a_variable():
    out = run_example("seed000_example2.py")
    value = float(out.strip().splitlines()[-1].split("[[")[1].rstrip("]"))
    assert 0.0 < value < 1.0


def test_seed000_example3_batch_of_two_variables():
    out = run_example("seed000_example3.py")
    tail = out[out.index("Batch prediction: "):]
    rows = tail.replace("Batch prediction: ", "").replace("[", " ").replace("]", " ").split()
    assert len(rows) == 2 and all(0.0 < float(r) < 1.0 for r in rows)


def test_seed004_example2_summary_and_concrete_output():
    out = run_example("seed004_example2.py")
    assert "Total params: 17" in out and "(Dense)" in out and "(InputLayer)" in out
    # TF returns a concrete (2, 1) tensor here, not a KerasTensor as the comment claims
    assert out.strip().endswith("Output Tensor shape (Symbolic until evaluated): (2, 1)")


def test_seed004_example3_compile_fit_predict():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ns = runpy.run_path(str(HERE / "seed004_example2.py"), run_name="__main__")
        runpy.run_path(str(HERE / "seed004_example3.py"), init_globals=ns,
                       run_name="__main__")
    text = out.getvalue()
    assert "Epoch 10/10" in text and "Predictions: [[" in text
    assert "1/1\x1b[0m \x1b[32m" + "━" * 20 in text and "loss: " in text
    ns_pred = float(text.split("Predictions: [[")[1].split("]")[0])
    assert np.isfinite(ns_pred)
