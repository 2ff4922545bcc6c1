# SPDX-License-Identifier: MIT
"""relumc.samples: the sample contract's x_i, checked against an independent Philox in Python, and a verify
estimate recomputed in NumPy from exported samples."""
import math

import numpy as np
import pytest

import relumc

M0, M1, W0, W1, MASK = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF


def philox4x32_10(ctr, key):
    """Random123's philox4x32 (10 rounds), written from its definition."""
    c, k = list(ctr), list(key)
    for _ in range(10):
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & MASK, p1 & MASK, ((p0 >> 32) ^ c[3] ^ k[1]) & MASK, p0 & MASK]
        k = [(k[0] + W0) & MASK, (k[1] + W1) & MASK]
    return c


def test_philox_transcription_known_answer():
    # Random123's kat_vectors: philox4x32 10 rounds, counter 0, key 0
    assert philox4x32_10([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def test_samples_follow_the_documented_contract():
    seed, stream, d = 0x123456789, 7, 6
    x = relumc.samples(seed, stream, 2**33 + 5, 2, d)
    for t in range(2):
        i = 2**33 + 5 + t
        expect = []
        for j in range(2):  # blocks of four coordinates
            r = philox4x32_10([j, i & MASK, i >> 32, stream], [seed & MASK, seed >> 32])
            u = [(w + 0.5) * 2.0**-32 for w in r]
            for a, b in ((u[0], u[1]), (u[2], u[3])):
                rad = math.sqrt(-2 * math.log(a))
                expect += [rad * math.cos(2 * math.pi * b), rad * math.sin(2 * math.pi * b)]
        # relumc's own ln/sin/cos are about 1 ulp from the C library's
        np.testing.assert_allclose(x[t], expect[:d], rtol=1e-14, atol=1e-15)


def test_samples_are_a_pure_function_of_seed_stream_index():
    a = relumc.samples(5, 1, 0, 40, 9)
    assert a.shape == (40, 9) and a.dtype == np.float64 and a.flags.c_contiguous
    np.testing.assert_array_equal(relumc.samples(5, 1, 13, 20, 9), a[13:33])
    # a sample's first coordinates do not depend on d
    np.testing.assert_array_equal(relumc.samples(5, 1, 0, 40, 3), a[:, :3])
    assert not np.array_equal(relumc.samples(6, 1, 0, 40, 9), a)
    assert not np.array_equal(relumc.samples(5, 2, 0, 40, 9), a)
    assert relumc.samples(5, 1, 0, 0, 9).shape == (0, 9)


def test_float_and_v2_samples():
    x64 = relumc.samples(1, 0, 0, 2000, 4)
    x32 = relumc.samples(1, 0, 0, 2000, 4, dtype=np.float32)
    v2 = relumc.samples(1, 0, 0, 2000, 4, "v2", dtype=np.float32)
    v2d = relumc.samples(1, 0, 0, 2000, 4, "v2")
    assert x32.dtype == np.float32 and v2.dtype == np.float32 and v2d.dtype == np.float64
    np.testing.assert_array_equal(v2d, v2.astype(np.float64))  # widened exactly
    # the same Philox words: float normals within float rounding of the double ones (radius 23-bit uniform)
    assert np.max(np.abs(x32 - x64)) < 1e-3 and np.max(np.abs(v2d - x64)) < 1e-3
    assert not np.array_equal(x32, v2)


def test_other_inputs():
    s = relumc.samples(3, 0, 0, 100, 5, input="sphere", radius=2.0)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 2.0, rtol=1e-14)
    c = relumc.samples(3, 0, 0, 100, 5, input="cube")
    assert np.all(np.abs(c) < 0.5)


def per_sample(quantity, x, W, S):
    a, b = x @ W.T, x @ S.T
    g = np.maximum(a, 0).sum(1) - np.maximum(b, 0).sum(1)
    if quantity == "grad":
        return np.einsum("nk,nd->nkd", (a > 0) * g[:, None], x)
    if quantity == "loss":
        return 0.5 * g * g
    return x * ((b[:, 0] > 0) * np.maximum(a[:, 0], 0))[:, None]  # gating: W = w, S = e


@pytest.mark.parametrize("quantity, K, Ks, d, contract", [
    ("grad", 2, 3, 5, "v1"), ("loss", 3, 1, 7, "v1"), ("gating", 1, 1, 6, "v1"), ("grad", 1, 1, 4, "v2")])
def test_verify_estimate_recomputed_from_exported_samples(rng, quantity, K, Ks, d, contract):
    W, S = rng.normal(size=(K, d)), rng.normal(size=(Ks, d))
    if quantity == "gating":
        W, S = W[0], S[0]
    n, seed, stream = 30000, 17, 4
    r = relumc.verify(W, S, quantity, samples=n, seed=seed, stream=stream, contract=contract)
    x = relumc.samples(seed, stream, 0, n, d, contract)
    t = per_sample(quantity, x, np.atleast_2d(W), np.atleast_2d(S)).reshape(n, -1)
    mean = t.mean(axis=0)
    se = t.std(axis=0, ddof=1) / math.sqrt(n)
    scale = np.abs(t).mean(axis=0) + 1e-300
    if contract == "v1":
        # the same samples, sums in another order: the engine's number to rounding (N eps |t|)
        assert np.all(np.abs(r.estimate.reshape(-1) - mean) <= 1e-11 * scale)
        np.testing.assert_allclose(r.stderr.reshape(-1), se, rtol=1e-8)
    else:
        # v2 computes each sample's projection and gate in float: float rounding per term
        assert np.all(np.abs(r.estimate.reshape(-1) - mean) <= 1e-5 * scale)
        np.testing.assert_allclose(r.stderr.reshape(-1), se, rtol=1e-4)
    # and a recomputed estimate from other samples differs by Monte Carlo noise, far more than rounding
    other = per_sample(quantity, relumc.samples(seed, stream + 1, 0, n, d, contract), np.atleast_2d(W),
                       np.atleast_2d(S)).reshape(n, -1).mean(axis=0)
    assert np.max(np.abs(other - mean) / se) > 0.1


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(d=0), ValueError, "d"), (dict(count=-1), ValueError, "count"), (dict(seed=-3), ValueError, "seed"),
    (dict(stream=2**32), ValueError, "stream"), (dict(contract="v9"), ValueError, "contract"),
    (dict(dtype=np.int32), ValueError, "dtype"), (dict(input="sphere", radius=-1.0), ValueError, "radius"),
    (dict(start=2**64 - 2, count=5), ValueError, "count"), (dict(d=2.5), TypeError, "d"),
])
def test_bad_input(kwargs, exc, name):
    args = dict(seed=1, stream=0, start=0, count=3, d=4)
    args.update(kwargs)
    with pytest.raises(exc) as info:
        relumc.samples(**args)
    assert f"`{name}`" in str(info.value)
