"""One comparison with torch, shared by the op tests: values, then gradients."""

import numpy as np

from autograd import Tensor


def compare(torch, ours, theirs, *inputs, rtol: float = 1e-10, atol: float = 1e-12,
            dtype=None) -> None:
    """Run ``ours`` on Tensors and ``theirs`` on torch tensors made from the same float64
    ``inputs``; check the outputs (and their ``dtype`` when given), then the gradients of
    sum(out * w) for one random w."""
    mine = [Tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    ref = [torch.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    out, expected = ours(*mine), theirs(*ref)
    assert out.shape == tuple(expected.shape)
    if dtype is not None:
        assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    for i, (m, r) in enumerate(zip(mine, ref, strict=True)):
        want = np.zeros(m.shape) if r.grad is None else r.grad.numpy()
        got = np.zeros(m.shape) if m.grad is None else m.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"input {i}")
