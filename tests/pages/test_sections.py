"""A verification or a solution written as one fence is collapsed on the page, under a title its code gives."""

from litbackprop.pages.build.sections import expand, summarise

CHECKED = "```{.python continuation .checked}\nassert_allclose(z, W @ x, rtol=1e-15)\n```"


def test_a_checked_fence_becomes_a_collapsed_section_titled_by_its_code():
    assert expand(CHECKED) == (
        '<details class="success checked" markdown="1">\n'
        "<summary>Checked: <code>z</code> agrees with <code>W @ x</code> to 1e-15</summary>\n\n"
        "```{.python continuation}\nassert_allclose(z, W @ x, rtol=1e-15)\n```\n\n</details>"
    )


def test_a_solution_fence_becomes_a_collapsed_solution():
    expanded = expand("```{.python continuation .solution}\nanswer = 1.0\n```")
    assert expanded.startswith('<details class="example solution" markdown="1">\n<summary>A solution, to open after')
    assert "```{.python continuation}\nanswer = 1.0\n```" in expanded


def test_other_fences_are_left_as_they_are():
    page = "```{.python continuation}\nz = 1\n```\n\n```bash\nls\n```"
    assert expand(page) == page


def test_the_title_is_the_summary_of_the_code_itself():
    assert summarise("assert_rounds_to(z, '0.5', name='z1')") == "Checked: the digits shown for z1"
    assert summarise("assert_rounds_to(z, '0.5')") == "Checked: the digits shown, against the values computed"


def test_a_title_says_what_was_compared_with_what():
    assert summarise("assert_allclose(y_hat.sum(), 1.0, rtol=1e-15)") == (
        "Checked: <code>y_hat.sum()</code> agrees with <code>1.0</code> to 1e-15"
    )
    assert summarise("assert gap < 1e-14, gap") == "Checked: <code>gap &lt; 1e-14</code> holds"
    assert summarise("for k in ks:\n    assert k > 0") == "Checked: <code>k &gt; 0</code> holds"  # in a loop too
    assert summarise("assert_gradient_matches(g, f, w, name='dL/dw')") == (
        "Checked: central differences in float64 for dL/dw"
    )


def test_a_fence_shown_as_text_inside_an_outer_fence_is_left_as_it_is():
    page = "````markdown\n" + CHECKED + "\n````"
    assert expand(page) == page


def test_an_empty_output_is_dropped_and_a_printed_one_kept():
    from litbackprop.pages.build.sections import on_page_content

    code = '<div class="highlight"><pre><span></span><code>z = 1\n</code></pre></div>'
    empty = '\n<div class="highlight"><pre><span></span><code>\n</code></pre></div>'
    printed = '\n<div class="highlight"><pre><span></span><code>5.0\n</code></pre></div>'
    assert on_page_content(code + empty, None, None, None) == code
    assert on_page_content(code + printed, None, None, None) == code + printed


def test_a_name_compared_with_is_shown_by_the_expression_the_block_assigned_it():
    title = summarise("reference = W @ x + b\nassert_allclose(z, reference, rtol=1e-15)")
    assert title == "Checked: <code>z</code> agrees with <code>W @ x + b</code> to 1e-15", title


def test_bounds_of_assertions_too_long_to_show_are_said_as_comparisons():
    title = summarise(
        "assert max(abs(a - b) for a, b in zip(the_first_values_computed, the_second_values_computed, strict=True))"
        " < 0.09"
    )
    assert title == "Checked: the comparison with 0.09 holds", title


def test_a_title_speaks_to_the_reader():
    code = "\n".join(
        [
            "assert_allclose(z, by_hand, rtol=1e-15)",
            'assert z.size == 4, "four hidden units"',
            "assert_gradient_matches(g, f, w)",
        ]
    )
    title = summarise(code)
    assert "<code>z</code> agrees with <code>by_hand</code> (computed above) to 1e-15" in title
    assert "a second computation" not in title, "a name the reader can find above, not a vague phrase"
    assert "independent" not in title, "a name alone does not show that the reference shares no code with the value"
    assert "four hidden units" in title and "further assertions" not in title
    assert "central differences in float64" in title and "<a " not in title  # no link inside a summary (a11y)
    section = expand("```{.python continuation .checked}\n" + code + "\n```")
    assert "[Checking gradients](gradient-checking.md)" in section.split("</summary>")[1]
