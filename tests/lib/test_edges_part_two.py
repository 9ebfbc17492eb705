"""Nothing silently wrong at the edges of the engine, the checker, training, the weights files and the command line.

Each test reproduces a fault a fuzzing run found (issue 24) and failed before its fix.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import litbackprop as lb
from litbackprop.app import saving
from litbackprop.autodiff import Value
from litbackprop.course.exercises import check, compare
from litbackprop.network import two_layer_loss

# The engine


def test_a_chain_of_twenty_thousand_operations_backpropagates_without_recursion():
    x = y = Value(1.0)
    for _ in range(20_000):  # twenty times Python's recursion limit
        y = y + 1.0
    y.backward()
    assert float(x.grad) == 1.0 and float(y.data) == 20_001.0


def test_a_value_times_a_matrix_at_the_left_of_a_number_is_refused_naming_the_operand():
    with pytest.raises(ValueError, match=r"^the right operand of @ must be a vector or a matrix; got shape \(\)$"):
        Value(np.eye(2)) @ 1.0


@pytest.mark.parametrize("other", [1j, object(), "2", np.array([1j])], ids=["complex", "object", "text", "array"])
def test_an_operand_that_is_no_real_number_is_refused_naming_the_operation(other):
    with pytest.raises(ValueError, match=r"^the other operand of \+ must be a Value or a real number or array"):
        Value(1.0) + other


@pytest.mark.parametrize("shape", [(2, 2), "x", (-1, 5), 3.5])
def test_a_reshape_to_what_cannot_hold_the_value_is_refused_naming_the_shape(shape):
    with pytest.raises(ValueError, match=r"^shape must be a tuple of integers that holds the value's 3 entries"):
        Value(np.ones(3)).reshape(shape)


@pytest.mark.parametrize("axis", ["0", 1.5, True, 1, -2])
def test_a_sum_over_an_axis_that_is_no_axis_is_refused(axis):
    with pytest.raises(ValueError, match=r"^axis must be None or an integer in \[-1, 0\]"):
        Value(np.ones(2)).sum(axis=axis)


def test_numpy_on_the_left_gives_a_value_with_its_gradient_not_an_array_of_values():
    v = Value(np.array([1.0, 2.0, 3.0]))
    product = np.array([2.0, 3.0, 4.0]) * v
    assert isinstance(product, Value)
    product.sum().backward()
    assert v.grad.tolist() == [2.0, 3.0, 4.0]


def test_a_matrix_of_numpy_times_a_value_is_the_value_s_product():
    x = Value(np.array([1.0, 2.0]))
    z = np.array([[1.0, 0.0], [1.0, 1.0]]) @ x
    z.sum().backward()
    assert isinstance(z, Value) and z.data.tolist() == [1.0, 3.0] and x.grad.tolist() == [2.0, 1.0]


def test_the_loss_of_no_weights_is_refused_naming_them():
    e = lb.worked_example()
    with pytest.raises(ValueError, match=r"^W1 must be a litbackprop.autodiff.Value; got NoneType$"):
        two_layer_loss(None, Value(e["W2"]), e["x"], 0)


@pytest.mark.parametrize("b1", [None, np.zeros(4)], ids=["alone", "with b1"])
def test_a_bias_of_one_entry_for_three_classes_is_refused_not_broadcast(b1):
    e = lb.worked_example()
    b1 = None if b1 is None else Value(b1)
    with pytest.raises(ValueError, match=r"^b2 must have shape \(3,\), one entry per row of W2"):
        two_layer_loss(Value(e["W1"]), Value(e["W2"]), e["x"], 1, b1=b1, b2=Value(np.zeros(1)))


# The exercise checker


def _right_answer():
    e = lb.worked_example()
    return lb.TwoLayerNet(e["W1"], e["W2"]).backward([0.5, -1.0, 2.0], e["y"])["W1"]


def test_a_right_answer_plus_an_imaginary_part_is_refused_not_called_exact():
    with pytest.raises(ValueError, match=r"^yours must be an array of real numbers; got dtype complex128$"):
        check("two-layer-dW1", _right_answer() + 5j)


def test_a_right_answer_written_as_text_is_refused_not_called_exact():
    with pytest.raises(ValueError, match=r"^yours must be an array of real numbers; got dtype <U"):
        check("two-layer-dW1", _right_answer().astype(str))


@pytest.mark.parametrize("expected", [1j, "a", object()], ids=["complex", "text", "object"])
def test_an_expected_answer_that_is_no_real_number_is_refused_naming_it(expected):
    with pytest.raises(ValueError, match=r"^expected must be an array of real numbers"):
        compare("dW", [1.0], expected)


# Training


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(4, 20)), rng.integers(0, 3, 20)


def test_a_first_update_that_overflows_is_not_taken():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.b2[:] = 1.79e308
    before = {name: theta.copy() for name, theta in net.parameters.items()}
    with pytest.raises(lb.NumericalError, match=r"^training failed at its first step: its update overflowed"):
        lb.train(net, x, labels, lr=1e307, momentum=0, epochs=1, progress=False)
    assert all(np.array_equal(before[name], theta) for name, theta in net.parameters.items())


def test_an_sgd_update_that_overflows_leaves_the_parameter_and_its_velocity_as_they_were():
    theta, v = np.array([1e308]), np.array([1e308])
    with pytest.raises(lb.NumericalError, match=r"^the updated theta overflowed"):
        lb.sgd_update(theta, v, np.array([-1e308]), 1.0, 0.9)
    assert theta.tolist() == [1e308] and v.tolist() == [1e308]


def test_an_integer_bias_is_refused_naming_it_before_training():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.b1 = np.zeros(8, int)
    with pytest.raises(ValueError, match=r"^b1 must be a floating array, since training updates it in place"):
        lb.train(net, x, labels, epochs=1, progress=False)


def test_a_read_only_weight_is_refused_naming_it_before_training():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    net.W1.flags.writeable = False
    with pytest.raises(ValueError, match=r"^W1 is read-only, and training updates it in place"):
        lb.train(net, x, labels, epochs=1, progress=False)


def test_a_nan_in_the_validation_data_is_named_as_such_before_any_update():
    x, labels = _data()
    net = lb.TwoLayerNet.initialize(4, 8, 3)
    before = net.W1.copy()
    x_val = x.copy()
    x_val[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"^validation: x must be finite; got nan at index \(1, 2\)$"):
        lb.train(net, x, labels, epochs=1, progress=False, validation=(x_val, labels))
    assert np.array_equal(net.W1, before)


# Weights files


def test_an_empty_member_is_refused_naming_the_file(tmp_path):
    members = {"W1": np.ones((0, 3)), "W2": np.ones((3, 0))}
    arrays = {saving.FORMAT_KEY: np.array(saving.FORMAT_VERSION, dtype="<i8"), **members}
    arrays[saving.CHECKSUM_KEY] = np.array(saving.checksum(arrays), dtype="<U64")
    path = tmp_path / "empty.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"empty.npz does not hold a valid TwoLayerNet: W1 must not be empty"):
        lb.load_weights(path)


@pytest.mark.parametrize("use", ["save", "load"])
def test_a_nul_in_a_path_is_refused_naming_the_path(tmp_path, use):
    path = str(tmp_path / "a\0b.npz")
    call = (lambda: lb.save_weights(lb.TwoLayerNet.initialize(3, 4, 2), path)) if use == "save" else None
    with pytest.raises(ValueError, match=r"^path must not hold a NUL character.*a\\x00b\.npz'$"):
        call() if call else lb.load_weights(path)


@pytest.mark.parametrize("use", ["save", "load"])
def test_a_name_too_long_for_the_file_system_is_refused_naming_the_path(tmp_path, use):
    path = tmp_path / ("w" * 300)
    net = lb.TwoLayerNet.initialize(3, 4, 2)
    with pytest.raises(ValueError, match=r"^path's file name is 30\d bytes long, and the file system allows at most"):
        lb.save_weights(net, path) if use == "save" else lb.load_weights(path)


def test_a_save_killed_halfway_leaves_its_temporary_file_only_until_the_next_save_beside_it(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".litbackprop-save-{int(dead.stdout)}-{'0' * 16}.tmp"  # a process that has ended
    abandoned.write_bytes(b"x" * 1000)
    old = time.time() - 2 * saving.ABANDONED_AFTER
    os.utime(abandoned, (old, old))
    live = tmp_path / f".litbackprop-save-{os.getppid()}-{'1' * 16}.tmp"  # a process still running
    live.write_bytes(b"y")
    os.utime(live, (old, old))
    lb.save_weights(lb.TwoLayerNet.initialize(3, 4, 2), tmp_path / "w.npz")
    assert not abandoned.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "w.npz"])


def test_the_docs_say_the_checksum_guards_against_damage_not_tampering():
    assert "not tampering" in saving.__doc__ and "not tampering" in lb.load_weights.__doc__


# The command line


def _cli(*args, stdout=subprocess.PIPE, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "litbackprop", *args], stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "good.npz"
    lb.save_weights(lb.TwoLayerNet.initialize(64, 8, 10, seed=0), path)
    return path


@pytest.mark.parametrize("command", [["evaluate"], ["train", "--epochs", "1", "--no-progress"]], ids=lambda c: c[0])
def test_a_closed_stdout_is_an_error_not_silence(weights, command):
    args = command + [str(weights)] if command == ["evaluate"] else command
    run = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", sys.executable, "-m", "litbackprop", *args], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert run.stderr == "litbackprop: error: standard output is closed, so there is nowhere to write the result\n"


def test_a_file_name_with_a_newline_keeps_the_error_on_one_line(tmp_path):
    run = _cli("evaluate", str(tmp_path / "bad\nname.npz"))
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and "bad\\nname.npz" in run.stderr, run.stderr


def test_an_unwritable_save_folder_is_found_before_training():
    started = time.perf_counter()
    run = _cli("train", "--epochs", "30", "--no-progress", "--save", "/proc/weights.npz")
    assert run.returncode == 1 and run.stdout == "", run.stdout  # no training result was printed
    assert run.stderr.startswith("litbackprop: error: ") and "cannot write /proc/weights.npz" in run.stderr
    assert time.perf_counter() - started < 30  # a sanity bound, not a timing claim: it did not train first


def _numpy_is_loading(pid: int) -> bool:
    """Whether the process has begun importing numpy, after litbackprop's first lines ran (Linux: its memory map)."""
    try:
        with open(f"/proc/{pid}/maps") as maps:
            return "_multiarray_umath" in maps.read()
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc to find the moment numpy starts loading")
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2])
def test_ctrl_c_while_the_command_line_starts_gets_one_line_and_status_130(delay):
    # Timed from the moment numpy starts loading: a fixed delay from the start would, on a loaded machine, land
    # in Python's own start-up, before any litbackprop code (see the closing note of issue 24).
    run = subprocess.Popen(
        [sys.executable, "-m", "litbackprop", "train", "--epochs", "500", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _numpy_is_loading(run.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(delay)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert stderr.startswith("litbackprop: interrupted") and stderr.count("\n") == 1, stderr


def test_importing_the_library_changes_no_signal_handler():
    code = "import signal, litbackprop; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout == "True\n", run.stderr
