"""The command line: ``litbackprop train`` on the digits, ``litbackprop evaluate`` a saved file.

Mistakes get one line on stderr and exit status 1 (2 for a command line that
does not parse), never a traceback, and a message about a value names the
option that set it; Ctrl-C gets one line and status 130, the shell's
convention for a SIGINT, and saves nothing. One window is Python's, not the
command's: a Ctrl-C while the interpreter itself starts (its site packages, in
the first few tens of milliseconds), before the entry's first line installs
its handler (``litbackprop/__main__.py``), is Python's own ``KeyboardInterrupt`` traceback, and nothing is
saved. Trained weights are saved before anything is printed, so output that
cannot be written loses no weights.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time

from litbackprop import __version__
from litbackprop.app import interrupt as _interrupt
from litbackprop.app.digits import HIDDEN
from litbackprop.training import BATCH_SIZE, EPOCHS, LR, MOMENTUM


class _OutputError(Exception):
    """Standard output could not be written (a full disk, a closed pipe): the cause is the OSError."""


def _say(message: str) -> None:
    """Print `message` on stdout; an OSError there is an `_OutputError`, told apart from the work's own."""
    try:
        print(_one_line(message))
    except OSError as error:
        raise _OutputError from error


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        self.exit(2, _one_line(f"{self.prog}: error: {message} (see {self.prog} --help)") + "\n")

    def _print_message(self, message, file=None):  # argparse's own ignores a failed write to stdout
        file = file or sys.stderr
        if message and file is not None:
            try:
                file.write(message)
            except OSError as error:
                if file is sys.stdout:  # --help and --version: the output asked for was not written
                    raise _OutputError from error


def _number(kind):
    """An argparse type that only parses: the library checks the value and says what it must be."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {'an integer' if kind is int else 'a number'}; got {text!r}"
            ) from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="litbackprop",
        description="Train and evaluate litbackprop's two-layer network on scikit-learn's 8x8 digits.",
    )
    parser.add_argument("--version", action="version", version=f"litbackprop {__version__}")
    # Not required=True: argparse would then report a missing COMMAND before an unknown flag such as --bogus.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = commands.add_parser(
        "train",
        help="train on the digits and print the test accuracy",
        description="Train FC -> ReLU -> FC -> softmax on the digits by mini-batch SGD, then print the "
        "accuracy on the held-out test split.",
    )
    train.add_argument("--hidden", type=_number(int), default=HIDDEN, help=f"hidden units (default: {HIDDEN})")
    train.add_argument(
        "--epochs", type=_number(int), default=EPOCHS, help=f"passes over the training set (default: {EPOCHS})"
    )
    train.add_argument(
        "--batch-size", type=_number(int), default=BATCH_SIZE, help=f"examples per SGD step (default: {BATCH_SIZE})"
    )
    train.add_argument("--lr", type=_number(float), default=LR, help=f"learning rate, > 0 (default: {LR})")
    train.add_argument(
        "--momentum",
        type=_number(float),
        default=MOMENTUM,
        help=f"momentum in [0, 1); 0 is plain SGD (default: {MOMENTUM})",
    )
    train.add_argument(
        "--seed", type=_number(int), default=0, help="seeds the split, the weights and the shuffling (default: 0)"
    )
    train.add_argument("--save", metavar="PATH", help="write the trained weights to PATH (.npz)")
    train.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    evaluate = commands.add_parser(
        "evaluate",
        help="print the test accuracy of saved weights",
        description="Load weights written by 'litbackprop train --save' and print their accuracy on the "
        "digits' test split.",
    )
    evaluate.add_argument("weights", metavar="PATH", help="a .npz file written by 'litbackprop train --save'")
    evaluate.add_argument(
        "--seed",
        type=_number(int),
        help="the seed of the split; by default the one recorded in the file, which must match if given",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv`; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the command's name; by default ``sys.argv[1:]``.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before a command began (the arguments being read): nothing was saved yet
        _tell("litbackprop: interrupted; nothing was saved")
        return 130


def _main(argv: list[str] | None) -> int:
    if signal.getsignal(signal.SIGINT) is _interrupt._interrupted:  # from here on, KeyboardInterrupt is ours
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for stream in (sys.stdout, sys.stderr):  # a path the terminal's encoding lacks is escaped, not an error
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if sys.stdout is None or sys.stdout.closed:  # started with >&-: the result would be written nowhere
        _tell("litbackprop: error: standard output is closed, so there is nowhere to write the result")
        return 1
    done: dict = {}  # what a command completed, for a message about output that failed after it
    try:
        try:
            status = _run(argv, done)
        except SystemExit as exit_:  # argparse after --help, --version or a usage error
            status = exit_.code if isinstance(exit_.code, int) else 1
        try:  # buffered output fails here, where it can be reported, rather than at exit
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError as error:
            raise _OutputError from error
    except _OutputError as output_error:
        _silence_stdout()
        if "saved" in done:  # the work is done: say where it is, on stderr, whatever became of stdout
            _tell(
                f"litbackprop: the weights were saved to {done['saved']}, but the output could not be written: "
                f"{output_error.__cause__}"
            )
        elif not isinstance(output_error.__cause__, BrokenPipeError):  # a reader that left wants no message
            _tell(f"litbackprop: error: cannot write the output: {output_error.__cause__}")
        return 1
    return status


def _silence_stdout() -> None:
    """Point stdout at the null device: Python would otherwise fail again, with a traceback, flushing it at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's capture): nothing to silence
        pass


def _run(argv: list[str] | None, done: dict) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.error("a COMMAND is required: train or evaluate")
    try:
        return _train(args, done) if args.command == "train" else _evaluate(args)
    except (ValueError, OSError, ImportError) as error:
        _tell(f"litbackprop: error: {_as_option(str(error), args.command)}")
        return 1
    except MemoryError as error:
        sizes = f"; --hidden {args.hidden} sets the size of the largest arrays" if args.command == "train" else ""
        _tell(f"litbackprop: error: not enough memory: {error or 'an allocation failed'}{sizes}")
        return 1
    except KeyboardInterrupt:
        _tell("litbackprop: interrupted" + _what_was_saved(args))
        return 130


OPTIONS = {"hidden": "--hidden", "epochs": "--epochs", "batch_size": "--batch-size", "lr": "--lr"}
OPTIONS |= {"momentum": "--momentum", "seed": "--seed"}
"""The library's name of each argument the command line passes on, and the option that sets it."""


def _as_option(message: str, command: str) -> str:
    """The library's message about an argument, naming the option that set it: "--lr must …" for "lr must …"."""
    options = OPTIONS | ({"path": "--save"} if command == "train" else {})
    name = message.split(" ", 1)[0]
    message = options[name] + message[len(name) :] if name in options else message
    return message.replace(" lr=", " --lr ")  # "try a smaller learning rate than lr=100.0"


def _identity(path) -> tuple | None:
    """What tells one file at `path` from another written there later, or None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


def _what_was_saved(args) -> str:
    if getattr(args, "save", None) is None:
        return ""
    target = getattr(args, "target", None)  # set once the path is checked, before training
    if target is not None and _identity(target) != args.target_before:
        return f"; the weights were saved to {target}"  # the interrupt came after the file was moved into place
    return "; nothing was saved"


def _one_line(message: str) -> str:
    """`message` with its control characters (a newline in a file name) escaped, so that it stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def _tell(message: str) -> None:
    """Print `message` on stderr, as one line, if there is one: started with ``2>&-``, Python has none."""
    if sys.stderr is not None:
        try:
            print(_one_line(message), file=sys.stderr)
        except OSError:  # stderr itself is broken: the exit status is all that is left to say it
            pass


def _train(args, done: dict) -> int:
    from litbackprop.app.digits import train_digits
    from litbackprop.app.saving import save_weights, writable_weights_path
    from litbackprop.training import accuracy

    if args.save is not None:  # a path that cannot be written fails now, not after training
        try:
            args.target = writable_weights_path(args.save)
        except (ValueError, OSError) as error:  # named by the option, unless the message names it already
            message = str(error)
            raise ValueError(message if message.startswith("path ") else f"--save {args.save}: {message}") from None
        args.target_before = _identity(args.target)
    start = time.perf_counter()
    run = train_digits(
        hidden=args.hidden,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        momentum=args.momentum,
        seed=args.seed,
        progress=not args.no_progress,
    )
    seconds = time.perf_counter() - start
    split = run.split
    test_accuracy = accuracy(run.net, split.x_test, split.labels_test)
    if args.save is not None:  # before anything is printed: a reader that left takes no weights with it
        done["saved"] = save_weights(run.net, args.save, split_seed=args.seed)
    _say(
        f"trained in {seconds:.2f} s: train accuracy {run.history.accuracy[-1]:.2%}, "
        f"validation accuracy {run.history.val_accuracy[-1]:.2%}"
    )
    _say(f"test accuracy: {test_accuracy:.2%} ({split.labels_test.size} digits)")
    if args.save is not None:
        _say(f"weights saved to {done['saved']}")
    return 0


def _evaluate(args) -> int:
    from litbackprop.app.digits import load_digits_split
    from litbackprop.app.saving import read_weights
    from litbackprop.training import accuracy

    net, recorded = read_weights(args.weights)
    seed = args.seed if args.seed is not None else recorded if recorded is not None else 0
    if recorded is not None and seed != recorded:
        raise ValueError(
            f"{args.weights} was trained on the split of seed {recorded}; its test images under --seed {seed} "
            "include images it was trained on, so the accuracy would mean nothing"
        )
    split = load_digits_split(seed=seed)
    if net.W1.shape[1] != split.x_test.shape[0] or net.W2.shape[0] != 10:
        raise ValueError(
            f"{args.weights} holds a network for {net.W1.shape[1]} inputs and {net.W2.shape[0]} classes; "
            "the digits need 64 inputs and 10 classes"
        )
    _say(f"test accuracy: {accuracy(net, split.x_test, split.labels_test):.2%} ({split.labels_test.size} digits)")
    return 0
