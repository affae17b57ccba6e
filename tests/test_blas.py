"""kg.nlp.blas: thinc's matrix products through numpy's BLAS, the choice and its override."""

from __future__ import annotations

import numpy as np
import pytest
from thinc.api import Linear, NumpyOps, get_current_ops

from kg.nlp.blas import BLAS_ENV, blas_library, cpu_ops, single_threaded, using_cpu_ops


@pytest.mark.parametrize(("forced", "use_blis"), [("numpy", False), ("blis", True), ("NumPy ", False)])
def test_the_environment_variable_forces_the_choice(monkeypatch, forced, use_blis):
    monkeypatch.setenv(BLAS_ENV, forced)
    ops = cpu_ops()
    assert type(ops) is NumpyOps and ops.use_blis is use_blis


def test_default_follows_the_blas_numpy_has(monkeypatch):
    monkeypatch.delenv(BLAS_ENV, raising=False)
    assert cpu_ops().use_blis is (blas_library() is None)


def test_products_agree_with_blis():
    rng = np.random.default_rng(0)
    x, w = rng.random((50, 384), dtype=np.float32), rng.random((96, 384), dtype=np.float32)
    via_numpy = NumpyOps(use_blis=False).gemm(x, w, trans2=True)
    via_blis = NumpyOps(use_blis=True).gemm(x, w, trans2=True)
    assert via_numpy.dtype == np.float32
    np.testing.assert_allclose(via_numpy, via_blis, rtol=1e-5)


def test_layers_built_inside_keep_the_ops_and_the_previous_ops_come_back(monkeypatch):
    monkeypatch.setenv(BLAS_ENV, "numpy")
    before = get_current_ops()
    with using_cpu_ops():
        layer = Linear(4, 3)
    assert get_current_ops() is before
    assert layer.ops.use_blis is False
    layer.initialize()
    assert layer.predict(np.ones((2, 3), dtype=np.float32)).shape == (2, 4)


def test_bundled_pipeline_is_built_with_the_chosen_ops(bundled_nlp):
    assert bundled_nlp.get_pipe("tok2vec").model.ops.use_blis is cpu_ops().use_blis


def test_single_threaded_limits_numpys_blas(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import kg.nlp.blas

    monkeypatch.setattr(kg.nlp.blas, "_limiter", None)
    single_threaded()
    limiter = kg.nlp.blas._limiter
    single_threaded()  # once per process: a second call changes nothing
    assert kg.nlp.blas._limiter is limiter
    try:
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
    finally:
        limiter.restore_original_limits()
