"""Grad mode and anomaly mode belong to the thread that set them (torch's rule), and backward
passes from several threads into shared leaves add up exactly. Barriers force the interleavings
(thousands of them); a short switch interval makes the unforced ones frequent too."""

import contextlib
import sys
import threading

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import AnomalyError, detect_anomaly, enable_grad, no_grad, set_grad_enabled
from autograd.graph import _Mode

ROUNDS = 2000


@contextlib.contextmanager
def fast_switching():
    """Let the interpreter switch threads every 10 microseconds instead of every 5 ms."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_threads(*targets, timeout: float = 60.0) -> None:
    """Run each target in its own thread; re-raise the first exception any of them raised."""
    errors = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as err:  # noqa: BLE001  (handed to the main thread)
                errors.append(err)

        return run

    threads = [threading.Thread(target=guarded(t), daemon=True) for t in targets]
    with fast_switching():
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_a_new_thread_records_while_the_one_that_started_it_is_in_no_grad():
    seen = {}
    with no_grad():
        run_threads(lambda: seen.update(mode=ag.is_grad_enabled(),
                                        made=(ag.ones(1, requires_grad=True) * 2).requires_grad))
        assert not ag.is_grad_enabled()
    assert seen == {"mode": True, "made": True}


def test_torch_agrees_that_grad_mode_is_per_thread():
    torch = pytest.importorskip("torch")
    seen = []
    with torch.no_grad():
        run_threads(lambda: seen.append(torch.is_grad_enabled()))
    assert seen == [True]


def test_no_grad_in_one_thread_never_stops_another_from_recording():
    barrier = threading.Barrier(2, timeout=20)
    w = ag.ones(3, requires_grad=True)
    recorded = []

    def quiet():
        for _ in range(ROUNDS):
            with no_grad():
                barrier.wait()  # the other thread records now, while this one is in no_grad
                assert not ag.is_grad_enabled()
                assert not (w * 2).requires_grad
                barrier.wait()
            assert ag.is_grad_enabled()

    def recorder():
        for _ in range(ROUNDS):
            barrier.wait()
            y = w * 2
            recorded.append(y.requires_grad and y.grad_fn is not None)
            barrier.wait()

    run_threads(quiet, recorder)
    assert len(recorded) == ROUNDS and all(recorded)


def test_interleaved_no_grad_blocks_restore_each_thread_s_own_mode():
    barrier = threading.Barrier(2, timeout=20)
    modes = {"a": [], "b": []}

    def a():
        for _ in range(ROUNDS // 2):
            with no_grad():
                barrier.wait()  # 1: a is in no_grad
                barrier.wait()  # 2: b is in no_grad too
            modes["a"].append(ag.is_grad_enabled())  # a left first: on again, for a
            barrier.wait()  # 3
            barrier.wait()  # 4: b has left
            modes["a"].append(ag.is_grad_enabled())

    def b():
        for _ in range(ROUNDS // 2):
            barrier.wait()  # 1
            with no_grad():
                barrier.wait()  # 2
                barrier.wait()  # 3: a has left its block; b is still inside its own
                modes["b"].append(ag.is_grad_enabled())
            barrier.wait()  # 4
            modes["b"].append(ag.is_grad_enabled())

    run_threads(a, b)
    assert modes["a"] == [True, True] * (ROUNDS // 2)
    assert modes["b"] == [False, True] * (ROUNDS // 2)
    assert ag.is_grad_enabled()


def test_set_grad_enabled_and_enable_grad_stay_in_their_thread():
    barrier = threading.Barrier(2, timeout=20)
    seen = []

    def switcher():
        for _ in range(500):
            set_grad_enabled(False)  # the statement form: off for this thread until switched
            barrier.wait()
            with enable_grad():
                barrier.wait()
            set_grad_enabled(True)
            barrier.wait()

    def watcher():
        for _ in range(500):
            barrier.wait()
            seen.append(ag.is_grad_enabled())
            barrier.wait()
            seen.append(ag.is_grad_enabled())
            barrier.wait()

    run_threads(switcher, watcher)
    assert seen == [True] * 1000


def test_an_evaluation_loop_under_no_grad_drops_nothing_another_thread_records():
    # a validation loop (BCELoss under no_grad) in one thread while another builds a graph:
    # with a process-wide mode thousands of the builder's ops went unrecorded
    stop = threading.Event()
    model, loss_fn = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()), nn.BCELoss()
    x, y = ag.randn(8, 3), ag.tensor(np.arange(8) % 2, dtype=np.float32).reshape(8, 1)
    w = ag.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    recorded, evaluated = [], []

    def evaluator():
        while not stop.is_set():
            with no_grad():
                evaluated.append(loss_fn(model(x), y).requires_grad)

    def builder():
        try:
            for _ in range(10 * ROUNDS):
                recorded.append(w * 1.0)
        finally:
            stop.set()

    run_threads(evaluator, builder)
    assert evaluated and not any(evaluated)  # the evaluator's own mode held too
    assert len(recorded) == 10 * ROUNDS and all(t.requires_grad for t in recorded)
    ag.stack(recorded).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [10.0 * ROUNDS] * 3)


def test_concurrent_backward_passes_into_one_shared_leaf_add_up_exactly():
    # large arrays: numpy lets go of the GIL while it adds them, so without the engine's lock
    # two passes would read the same .grad and one update would be lost
    size, threads, passes = 200_000, 4, 30
    w = ag.zeros(size, dtype=np.float64, requires_grad=True)
    start = threading.Barrier(threads, timeout=20)

    def worker(k):
        def run():
            c = ag.full((size,), float(k + 1), dtype=np.float64)  # integers: sums are exact
            start.wait()
            for _ in range(passes):
                ((w * c).sum() + (w * 2.0).sum()).backward()

        return run

    run_threads(*(worker(k) for k in range(threads)))
    expected = passes * sum(k + 1 + 2 for k in range(threads))
    assert np.all(w.grad.numpy() == expected), np.unique(w.grad.numpy())


def test_grad_in_one_thread_while_another_runs_backward_keeps_each_result_apart():
    w = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    start = threading.Barrier(2, timeout=20)
    found = []

    def capturer():
        start.wait()
        for _ in range(ROUNDS // 4):
            (g,) = ag.grad((w * w).sum(), [w])  # 2w, and never into w.grad
            found.append(g.numpy().tolist())

    def accumulator():
        start.wait()
        for _ in range(ROUNDS // 4):
            (w * 3.0).sum().backward()

    run_threads(capturer, accumulator)
    assert found == [[2.0, 4.0]] * (ROUNDS // 4)
    np.testing.assert_array_equal(w.grad.numpy(), [3.0 * (ROUNDS // 4)] * 2)


def test_anomaly_mode_belongs_to_the_thread_that_turned_it_on():
    barrier = threading.Barrier(2, timeout=20)
    results = {"watched": 0, "free": 0}
    x = ag.tensor([-1.0], requires_grad=True)

    def watched():
        with detect_anomaly():
            for _ in range(ROUNDS // 4):
                barrier.wait()
                with pytest.raises(AnomalyError, match="'log'"), np.errstate(invalid="ignore"):
                    x.log()
                results["watched"] += 1
                barrier.wait()

    def free():
        for _ in range(ROUNDS // 4):
            barrier.wait()
            with np.errstate(invalid="ignore"):
                assert np.isnan(x.log().item())  # outside anomaly mode: numpy's nan, no error
            results["free"] += 1
            barrier.wait()

    run_threads(watched, free)
    assert results == {"watched": ROUNDS // 4, "free": ROUNDS // 4}


def test_the_fast_path_flag_follows_every_thread_s_switches():
    # ops read one process-wide flag while every thread records with anomaly mode off; any
    # thread leaving that state turns it off until that thread is back (or has ended)
    assert _Mode.quiet
    with no_grad():
        assert not _Mode.quiet
        with enable_grad():
            assert _Mode.quiet
    with detect_anomaly():
        assert not _Mode.quiet
    assert _Mode.quiet
    inside = []

    def leaves_grad_off():
        set_grad_enabled(False)  # and the thread ends that way
        inside.append(_Mode.quiet)

    run_threads(leaves_grad_off)
    assert inside == [False] and _Mode.quiet
    x, seen = ag.ones(2, requires_grad=True), []
    y = x * 3
    y.register_hook(lambda g: seen.append(_Mode.quiet))
    ag.grad(y.sum(), [x])
    assert seen == [False] and _Mode.quiet  # grad() counted its capture, and gave it back
