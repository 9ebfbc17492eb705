"""What a page shows under a block that prints nothing: the values its last statement assigned."""

from __future__ import annotations

import numpy as np

from litbackprop.course import COLUMN, ROW

PRINT_OPTIONS = {"linewidth": COLUMN, "legacy": "1.25", "precision": 4}
"""numpy's print options while a page runs: arrays wrapped at the column's width, to four decimals, and numbers
printed plain (numpy 1.25's form: ``0.5``, where numpy 2 prints a number inside a list as ``np.float64(0.5)``)."""


def shown(**values) -> str:
    """The values a page shows under a block that prints nothing: one ``name = value`` line for each.

    Numbers are shown to 4 significant digits (a small one, such as 1e-05, in scientific notation), arrays of at
    most 24 entries to 4 decimals; anything else (a network, a dictionary, a large array) is left out, so the
    result may be empty.

    Parameters
    ----------
    **values
        The block's last assigned names and their values.

    Examples
    --------
    >>> import numpy as np
    >>> print(shown(z1=np.array([0.1, 0.3, 1.0, -0.9]), net=object()))
    z1 = [ 0.1  0.3  1.  -0.9]
    >>> print(shown(N=4, eps=1e-05, L=1.11480255))
    N = 4
    eps = 1e-05
    L = 1.1148
    >>> print(shown(dW2=np.array([[0.0434, 0.1301, 0.4337, 0.0], [-0.0615, -0.1846, -0.6154, 0.0]])))
    dW2 =
    [[ 0.0434  0.1301  0.4337  0.    ]
     [-0.0615 -0.1846 -0.6154  0.    ]]
    """
    lines = []
    for name, value in values.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, np.ndarray)):
            continue
        array = np.asarray(value)
        if array.dtype.kind not in "iuf" or array.size > 24:
            continue
        if array.ndim == 0:  # a number: never rounded to 0 (1e-05 is not 0.), to the digits a page states
            lines.append(f"{name} = {array.item():.6g}")
            continue
        lines.append(_laid_out(name, array))
    return "\n".join(lines)


def _laid_out(name: str, array: np.ndarray) -> str:
    """``name = array`` for a phone: beside its name where it fits the column; else its rows whole, under the name;
    else wrapped to the column. A matrix's row is never broken where a row fits."""

    def text(width: int) -> str:
        return np.array2string(array + 0, precision=4, max_line_width=width, floatmode="maxprec")  # 2.1e-09, not 0.

    rows = text(10**6)
    indent = len(name) + 3  # "name = " then the array, its next rows under its first
    if indent + max(map(len, rows.splitlines())) <= COLUMN:
        return f"{name} = " + rows.replace("\n", "\n" + " " * indent)
    if max(map(len, rows.splitlines())) <= ROW:
        return f"{name} =\n{rows}"
    return f"{name} =\n{text(COLUMN)}"
