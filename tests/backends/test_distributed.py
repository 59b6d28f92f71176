"""Compiled functions on a dask.distributed cluster: they pickle, so worker processes run them."""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg


def test_gradient_over_a_chunked_dask_array_on_two_worker_processes():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    gradient = sg.grad("x*sin(y) + x^2*y", wrt=["x", "y"]).lambdify()
    rng = da.random.default_rng(0)
    x, y = (rng.uniform(-2, 2, 10**6, chunks=250_000) for _ in range(2))  # made on the workers
    parts = [da.map_blocks(lambda a, b, k=k: gradient(a, b)[k], x, y, dtype=float) for k in range(2)]
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=40)
    except Exception as error:  # no processes or ports on this machine
        pytest.skip(f"a dask.distributed LocalCluster cannot start here: {error}")
    with cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        futures = client.compute([x, y, *parts])
        distributed.wait(futures, timeout=120)
        x, y, dx, dy = (future.result() for future in futures)
    np.testing.assert_allclose(dx, np.sin(y) + 2 * x * y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dy, x * np.cos(y) + x ** 2, rtol=1e-12, atol=1e-12)
    want = gradient(x, y)
    np.testing.assert_array_equal(dx, want[0])  # the same generated code on each chunk: bitwise NumPy's
    np.testing.assert_array_equal(dy, want[1])
