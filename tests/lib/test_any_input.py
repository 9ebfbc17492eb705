"""Fuzzing the engine, the exercise checker, training and the command line, as the weights files are fuzzed.

Whatever they are given, each either does its work or refuses with a ``ValueError`` (for the command line:
one line on stderr and a non-zero status): never another exception, a silent wrong result, a nan or an inf
that travels on, or a parameter half-changed. The suite draws a few examples of each;
``LITBACKPROP_EXAMPLES=5000 HYPOTHESIS_PROFILE=random .venv/bin/pytest tests/lib/test_any_input.py -n 0``
draws many more, from a different seed each time.
"""

import contextlib
import io
import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import litbackprop as lb
from litbackprop.app.cli import main
from litbackprop.autodiff import Value
from litbackprop.course.exercises import compare

EXAMPLES = int(os.environ.get("LITBACKPROP_EXAMPLES", 60))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-(2**70), 2**70),
    st.complex_numbers(max_magnitude=1e3),
    st.booleans(),
)
shapes = st.sampled_from([(), (1,), (2,), (3,), (2, 2), (2, 3), (3, 2), (0,), (2, 0)])
dtypes = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.bool_, np.complex128, np.str_])


@st.composite
def arrays(draw):
    shape, dtype = draw(shapes), draw(dtypes)
    values = draw(st.lists(st.floats(-1e3, 1e3), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return np.array(values).reshape(shape).astype(dtype)


anything = st.one_of(
    numbers, arrays(), st.none(), st.text(max_size=3), st.just(object()), st.lists(numbers, max_size=3)
)


def finite_arrays():
    return st.builds(
        lambda shape, seed, scale: np.random.default_rng(seed).normal(size=shape) * scale,
        st.sampled_from([(), (2,), (3,), (2, 2), (2, 3), (3, 2)]),
        st.integers(0, 2**32 - 1),
        st.sampled_from([1e-3, 1.0, 1e3]),
    )


# The engine


@fuzz
@given(finite_arrays(), anything, st.sampled_from(["+", "*", "@", "-", "r+", "r*", "r-", "r@"]))
def test_an_operation_of_the_engine_gives_a_value_with_finite_gradients_or_refuses(data, other, operation):
    v = Value(data)
    ops = {
        "+": lambda: v + other,
        "*": lambda: v * other,
        "@": lambda: v @ other,
        "-": lambda: v - other,
        "r+": lambda: other + v,
        "r*": lambda: other * v,
        "r-": lambda: other - v,
        "r@": lambda: other @ v,
    }
    try:
        out = ops[operation]()
    except (ValueError, TypeError) as error:  # TypeError only from Python itself: no such operator for the pair
        assert isinstance(error, ValueError) or "unsupported operand" in str(error), error
        return
    assert isinstance(out, Value), type(out)  # never an object array of values, never a bare array
    assert np.isfinite(out.data).all()
    try:
        out.sum().backward()
    except ValueError:  # NumericalError: a gradient that leaves the range is named
        return
    assert np.isfinite(v.grad).all() and v.grad.shape == v.data.shape


@fuzz
@given(finite_arrays(), anything)
def test_a_sum_over_any_axis_gives_the_sum_or_refuses_the_axis(data, axis):
    v = Value(data)
    try:
        total = v.sum(axis=axis)
    except ValueError:
        return
    np.testing.assert_allclose(total.data, data.sum(axis=axis), rtol=1e-12)


# The exercise checker


@fuzz
@given(anything, anything)
def test_the_checker_answers_or_refuses_and_calls_exact_only_what_is_equal(yours, expected):
    try:
        verdict = compare("g", yours, expected)
    except ValueError:
        return
    assert verdict.verdict in ("exact", "close", "wrong")
    if verdict.verdict == "exact":
        mine, theirs = np.asarray(yours), np.asarray(expected)
        assert mine.dtype.kind in "biuf" and theirs.dtype.kind in "biuf"
        assert np.array_equal(mine.astype(float), theirs.astype(float))


# Training


@fuzz
@given(
    st.sampled_from(["W1", "b1", "W2", "b2"]),
    st.sampled_from(["none", "int", "read-only", "nan", "huge", "float32"]),
    st.sampled_from([1e-3, 0.1, 10.0, 1e300]),
    st.sampled_from([0.0, 0.9]),
    st.integers(0, 3),
)
def test_training_trains_or_refuses_and_never_leaves_a_nan_or_inf_in_the_weights(name, fault, lr, momentum, seed):
    rng = np.random.default_rng(seed)
    x, labels = rng.normal(size=(4, 24)), rng.integers(0, 3, 24)
    net = lb.TwoLayerNet.initialize(4, 6, 3, seed=seed)
    theta = net.parameters[name]
    if fault == "int":
        setattr(net, name, theta.astype(int))
    elif fault == "read-only":
        theta.flags.writeable = False
    elif fault == "nan":
        theta.flat[0] = np.nan
    elif fault == "huge":
        theta.flat[0] = 1e307
    elif fault == "float32":
        setattr(net, name, theta.astype(np.float32))
    before = {k: v.copy() for k, v in net.parameters.items()}
    try:
        lb.train(net, x, labels, epochs=2, batch_size=8, lr=lr, momentum=momentum, progress=False)
    except ValueError as error:
        assert str(error)  # a refusal says why
        if not str(error).startswith("training diverged"):  # refused before any step: nothing changed
            assert all(np.array_equal(before[k], v, equal_nan=True) for k, v in net.parameters.items())
    if fault != "nan":
        assert all(np.isfinite(v).all() for v in net.parameters.values())


# The command line

WORDS = st.sampled_from(
    ["train", "evaluate", "--epochs", "--lr", "--momentum", "--seed", "--hidden", "--batch-size", "--save", "--help"]
    + ["1", "0", "-1", "2", "0.5", "nan", "inf", "1e400", "x", "", "a\nb", "/proc/w.npz", "--bogus", "-h"]
)


@settings(max_examples=max(EXAMPLES // 3, 10), deadline=None)
@given(
    st.one_of(
        st.lists(WORDS, max_size=6),
        st.builds(lambda c, w: [c, *w], st.sampled_from(["train", "evaluate"]), st.lists(WORDS, max_size=4)),
    )
)
def test_the_command_line_does_its_work_or_says_why_in_one_line(argv):
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):  # a --save x writes x.npz there
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main([*argv, "--no-progress"] if argv[:1] == ["train"] else argv)
            except SystemExit as done:  # never: main returns its status
                raise AssertionError(f"main exited instead of returning: {done.code}") from None
    assert status in (0, 1, 2)
    if status != 0:
        message = err.getvalue()
        assert message.count("\n") == 1 and message.startswith("litbackprop"), message
        assert "Traceback" not in message
