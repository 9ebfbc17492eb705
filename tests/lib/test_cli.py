import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import litbackprop as lb
from litbackprop.app.cli import build_parser, main


def test_train_prints_the_test_accuracy_and_saves(tmp_path, capsys):
    assert main(["train", "--no-progress", "--save", str(tmp_path / "w")]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: 97.77% (449 digits)" in out, out
    assert (tmp_path / "w.npz").is_file()
    assert main(["evaluate", str(tmp_path / "w.npz")]) == 0
    assert "test accuracy: 97.77%" in capsys.readouterr().out


def test_help_documents_every_flag():
    parser = build_parser()
    train_help = parser._subparsers._group_actions[0].choices["train"].format_help()
    for flag in ["--hidden", "--epochs", "--batch-size", "--lr", "--momentum", "--seed", "--save", "--no-progress"]:
        assert flag in train_help, flag


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--lr", "fast"], "litbackprop train: error: argument --lr: must be a number; got 'fast'"),
        (["train", "--bogus"], "litbackprop: error: unrecognized arguments: --bogus"),
        (["fly"], "litbackprop: error: argument COMMAND: invalid choice: 'fly'"),
        ([], "litbackprop: error: a COMMAND is required: train or evaluate"),
        (["--bogus"], "litbackprop: error: unrecognized arguments: --bogus"),
        (["--bogus", "train"], "litbackprop: error: unrecognized arguments: --bogus"),
    ],
)
def test_a_wrong_flag_gets_one_line_and_exit_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--lr", "0"], "--lr must be a number > 0; got 0.0"),
        (["train", "--batch-size", "0"], "--batch-size must be a positive integer; got 0"),
        (["train", "--momentum", "1"], "--momentum must be a number in [0, 1); got 1.0"),
        (["train", "--hidden", "0"], "--hidden must be a positive integer; got 0"),
        (["train", "--seed", "-1"], "--seed must be an integer in [0, 2**64); got -1"),
        (["train", "--hidden", "99999999999999999999999999"], "--hidden must leave W1 ("),
        (["train", "--hidden", str(2**62)], f"--hidden must leave W1 ({2**62} × 64) small enough for an array"),
    ],
)
def test_a_value_the_library_refuses_gets_its_message_naming_the_option_and_exit_status_1(argv, message, capsys):
    assert main([*argv, "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"litbackprop: error: {message}") and captured.err.count("\n") == 1, captured
    assert "trained in" not in captured.out, captured


def test_evaluating_a_missing_file_gets_one_line_and_exit_status_1(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.npz")]) == 1
    assert capsys.readouterr().err == f"litbackprop: error: no weights file at {tmp_path / 'none.npz'}\n"


def test_evaluating_weights_of_another_network_is_refused(tmp_path, capsys):
    import litbackprop as lb

    path = lb.save_weights(lb.TwoLayerNet.initialize(5, 4, 3), tmp_path / "small")
    assert main(["evaluate", str(path)]) == 1
    assert (
        "holds a network for 5 inputs and 3 classes; the digits need 64 inputs and 10 classes"
        in capsys.readouterr().err
    )


def test_python_dash_m_runs_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "litbackprop", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "train" in result.stdout and "evaluate" in result.stdout, result.stderr


def test_evaluate_refuses_a_split_the_weights_were_not_trained_on(tmp_path, capsys):
    assert main(["train", "--no-progress", "--epochs", "1", "--save", str(tmp_path / "w")]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "w.npz"), "--seed", "5"]) == 1
    assert "was trained on the split of seed 0" in capsys.readouterr().err


def test_train_refuses_an_unwritable_save_path_before_training(tmp_path, capsys):
    assert main(["train", "--no-progress", "--save", str(tmp_path / "missing" / "w")]) == 1
    captured = capsys.readouterr()
    assert "missing does not exist" in captured.err and "trained in" not in captured.out


def test_saving_to_a_folder_is_refused_before_training(tmp_path, capsys):
    assert main(["train", "--no-progress", "--save", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert f"--save must name a file to write; {tmp_path} is a directory" in captured.err, captured.err
    assert "trained in" not in captured.out and not tmp_path.with_name(tmp_path.name + ".npz").exists()


def test_saving_to_an_empty_path_is_refused_before_training(capsys):
    assert main(["train", "--no-progress", "--save", ""]) == 1
    captured = capsys.readouterr()
    assert captured.err == "litbackprop: error: --save must name a file to write; got ''\n" and not captured.out


def test_a_network_too_large_for_memory_gets_one_line(capsys):
    # 10**13 hidden units need 5 PB for W1: more than any address space, so the allocation fails at once
    assert main(["train", "--no-progress", "--hidden", str(10**13)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("litbackprop: error: not enough memory: Unable to allocate") and err.count("\n") == 1, err


def command(*args):
    return [sys.executable, "-m", "litbackprop", *args]


def as_from_a_terminal():
    """Ctrl-C as a terminal delivers it: a shell's background job (``pytest &``) ignores SIGINT, and its children
    inherit that, so that without this the tests of Ctrl-C would test the shell that started pytest."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_training_with_stderr_closed_still_trains_and_saves(tmp_path):
    path = tmp_path / "w.npz"
    # 2>&- closes stderr: Python then has no sys.stderr, and tqdm must not be asked to write to it
    result = subprocess.run(
        ["sh", "-c", '"$@" 2>&-', "sh", *command("train", "--epochs", "2", "--save", str(path))],
        capture_output=False,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "test accuracy" in result.stdout, result.stdout
    assert path.is_file()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a file every write to fails")
def test_training_with_an_unwritable_stderr_still_trains_and_saves(tmp_path):
    path = tmp_path / "w.npz"
    # The progress bar cannot be drawn; it is a nicety, and the training goes on without it
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            command("train", "--epochs", "3", "--save", str(path)), stdout=subprocess.PIPE, stderr=full, text=True
        )
    assert result.returncode == 0 and "test accuracy" in result.stdout, (result.returncode, result.stdout)
    assert path.is_file()


def test_ctrl_c_during_training_prints_one_line_exits_130_and_saves_nothing(tmp_path):
    path = tmp_path / "w.npz"
    process = subprocess.Popen(
        command("train", "--epochs", "1000000", "--save", str(path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=as_from_a_terminal,
    )
    try:
        seen, deadline = b"", time.monotonic() + 120
        while b"training" not in seen and time.monotonic() < deadline:  # the progress bar: training has started
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
        assert b"training" in seen, seen
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:  # a million epochs: never left running after a failure
        process.kill()
        process.wait()
    last_line = err.decode().replace("\r", "\n").strip().splitlines()[-1]
    assert process.returncode == 130, (process.returncode, err)
    assert last_line == "litbackprop: interrupted; nothing was saved" and b"Traceback" not in err, err
    assert list(tmp_path.iterdir()) == [] and out == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--help"], ["train", "--epochs", "1", "--no-progress"]], ids=["help", "train"])
def test_an_output_that_cannot_be_written_gets_one_line_and_exit_status_1(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run(command(*args), stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 1, result
    assert result.stderr == "litbackprop: error: cannot write the output: [Errno 28] No space left on device\n"


def test_a_reader_that_goes_away_ends_the_command_quietly():
    process = subprocess.Popen(
        command("train", "--epochs", "1", "--no-progress"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # as `| head -c0` does
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == 1 and err == b"", err


def test_a_path_the_terminal_cannot_encode_is_escaped_not_an_error(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        command("train", "--epochs", "1", "--no-progress", "--save", str(tmp_path / "é")),
        env=env,
        capture_output=True,
        text=True,
        encoding="ascii",
        errors="strict",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "weights saved to" in result.stdout and "\\xe9.npz" in result.stdout
    assert (tmp_path / "é.npz").is_file()


def test_ctrl_c_after_the_file_is_in_place_says_it_was_saved(tmp_path, capsys, monkeypatch):
    def interrupt(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr("litbackprop.app.saving._sync_folder", interrupt)
    assert main(["train", "--epochs", "1", "--no-progress", "--save", str(tmp_path / "w")]) == 130
    assert capsys.readouterr().err == f"litbackprop: interrupted; the weights were saved to {tmp_path / 'w.npz'}\n"
    assert (tmp_path / "w.npz").is_file()


def test_ctrl_c_before_saving_over_an_old_file_says_nothing_was_saved(tmp_path, capsys, monkeypatch):
    import litbackprop as lb

    old = lb.save_weights(lb.TwoLayerNet.initialize(64, 8, 10), tmp_path / "w")
    before = old.read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("litbackprop.app.saving.np.savez", interrupt)
    assert main(["train", "--epochs", "1", "--no-progress", "--save", str(old)]) == 130
    assert capsys.readouterr().err == "litbackprop: interrupted; nothing was saved\n"
    assert old.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]


def test_ctrl_c_while_the_arguments_are_read_gets_one_line_and_status_130(monkeypatch, capsys):
    from litbackprop.app import cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)  # the moment before any command begins
    assert cli.main(["train"]) == 130
    assert capsys.readouterr().err == "litbackprop: interrupted; nothing was saved\n"


def test_a_reader_that_goes_away_before_the_output_takes_no_weights_with_it(tmp_path):
    # `train --save W | true`, unbuffered: the first line printed fails, but the weights were saved before it
    path = tmp_path / "w.npz"
    process = subprocess.Popen(
        command("train", "--epochs", "1", "--no-progress", "--save", str(path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 1, err
    assert path.is_file(), err
    saved = f"litbackprop: the weights were saved to {path}, but the output could not be written"
    assert err == f"{saved}: [Errno 32] Broken pipe\n", err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_an_output_that_cannot_be_written_after_saving_says_where_the_weights_are(tmp_path):
    path = tmp_path / "w.npz"
    with open("/dev/full", "w") as full:
        args = ("train", "--epochs", "1", "--no-progress", "--save", str(path))
        result = subprocess.run(command(*args), stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 1 and path.is_file(), result
    assert result.stderr == (
        f"litbackprop: the weights were saved to {path}, but the output could not be written: "
        "[Errno 28] No space left on device\n"
    )


def test_not_enough_memory_names_the_option_that_sizes_the_arrays(monkeypatch, capsys):
    import litbackprop.app.digits

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 477. GiB")

    monkeypatch.setattr(litbackprop.app.digits, "train_digits", no_memory)
    assert main(["train", "--hidden", "1000000000", "--no-progress"]) == 1
    expected = "not enough memory: Unable to allocate 477. GiB; --hidden 1000000000 sets the size of the largest arrays"
    assert capsys.readouterr().err == f"litbackprop: error: {expected}\n"


def test_evaluating_weights_whose_logits_overflow_is_refused_not_scored(tmp_path, capsys):

    import litbackprop as lb

    net = lb.TwoLayerNet.initialize(64, 8, 10, seed=0)
    net.W2 = net.W2 / np.abs(net.W2).max() * 1e308  # finite, with a valid checksum: its logits overflow
    path = lb.save_weights(net, tmp_path / "huge")
    assert main(["evaluate", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("litbackprop: error: z2 overflowed although") and "accuracy" not in captured.out


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--lr", "100", "--epochs", "2"], "than --lr 100.0"),
        (["--save", ""], "--save must name a file to write"),
        (["--save", "/no/such/folder/w.npz"], "--save /no/such/folder/w.npz: cannot write"),
    ],
    ids=["a diverging learning rate", "an empty path", "a missing folder"],
)
def test_every_message_names_the_option(argv, option, capsys):
    assert main(["train", "--no-progress", *argv]) == 1
    err = capsys.readouterr().err
    assert option in err and err.count("\n") == 1, err


# Edges found by fuzzing (issue 24): each failed before its fix


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
        preexec_fn=as_from_a_terminal,
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
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=as_from_a_terminal)
    assert run.stdout == "True\n", run.stderr
