// The computation graphs of the neuron and two-layer pages, live: the reader changes an input, and every
// value on the forward wires and every gradient on the backward wires is computed again, here, in plain
// JavaScript (numpy cannot run in the browser offline). The same equations as the library's; the browser
// test (tests/pages/test_browser.py) sets random inputs and compares every number shown with litbackprop's.
(() => {
  const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
  // A sum of products whose terms overflow although the sum fits (1e308 * 10 - 1e308 * 10): summed again with the
  // weights scaled down by the largest, then scaled back, as the library's careful product does.
  const dot = (w, x) => {
    const plain = w.reduce((s, wi, i) => s + wi * x[i], 0);
    if (Number.isFinite(plain)) return plain;
    const scale = Math.max(...w.map(Math.abs));
    return w.reduce((s, wi, i) => s + (wi / scale) * x[i], 0) * scale;
  };
  const matvec = (M, v) => M.map((row) => dot(row, v));
  const transposeTimes = (M, v) => M[0].map((_, j) => M.reduce((s, row, k) => s + row[j] * v[k], 0));
  const outer = (u, v) => u.map((a) => v.map((b) => a * b));

  const models = {
    neuron(inputs) {
      const w = [inputs.w0, inputs.w1, inputs.w2];
      const x = [inputs.x0, inputs.x1, 1]; // the last input is the constant 1 of the bias w2
      const z = dot(w, x);
      const a = sigmoid(z);
      const da_dz = a * (1 - a);
      return { w, x, z, a, da_dz, da_dw: x.map((xi) => da_dz * xi) };
    },
    "two-layer"(inputs, form) {
      const { W1, W2 } = JSON.parse(form.dataset.weights);
      const x = [inputs.x0, inputs.x1, inputs.x2];
      const y = W2.map((_, k) => (k === inputs.class ? 1 : 0));
      const z1 = matvec(W1, x); // (1)
      const a1 = z1.map((v) => Math.max(0, v)); // (2)
      const z2 = matvec(W2, a1); // (3)
      const m = Math.max(...z2);
      const e = z2.map((v) => Math.exp(v - m));
      const sum = e.reduce((s, v) => s + v, 0);
      const y_hat = e.map((v) => v / sum); // (4), shifted by the largest score
      const L = -(z2[inputs.class] - m - Math.log(sum)); // (5), from the logits
      const dz2 = y_hat.map((p, k) => p - y[k]); // row (4)
      const da1 = transposeTimes(W2, dz2); // row (3b)
      const dz1 = da1.map((g, j) => (z1[j] > 0 ? g : 0)); // row (2)
      return { x, y, z1, a1, z2, y_hat, L, dz2, da1, dz1, dW2: outer(dz2, a1), dW1: outer(dz1, x) };
    },
  };

  // As the build draws them (litbackprop/pages/build/graphs.py): rounded, no trailing zeros, no -0, a true minus
  // sign. A value of five digits or more before the point (too wide for a phone's graph, four to a vector), or one
  // that would round to 0 where it is not 0, in scientific notation with the same number of significant digits, its
  // exponent kept whole (2.5e30, not 2.5e+3).
  const number = (v, digits) => {
    if (v === 0) return "0";
    let text;
    if (Math.abs(v) >= 1e4 || Math.abs(v) < 0.5 * 10 ** -digits) {
      const [mantissa, exponent] = v.toExponential(Math.max(digits - 1, 1)).split("e");
      text = `${mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa}e${exponent.replace("+", "")}`;
    } else {
      const fixed = (d) => (Math.round(v * 10 ** d) / 10 ** d + 0).toFixed(d);
      let d = digits;
      text = fixed(d);
      // A value that rounds to a whole number it is not gets the digits that tell them apart: a sigmoid's 0.99995
      // shown as 1 beside a(1 − a) = 0.00005 would read as a contradiction.
      while (d < 12 && Number(text) === Math.round(Number(text)) && Number(text) !== v) text = fixed(++d);
      if (text.includes(".")) text = text.replace(/\.?0+$/, "");
      if (text === "-0") text = "0";
    }
    return text.replace(/-/g, "\u2212");
  };
  const shown = (value, digits) =>
    Array.isArray(value) ? `(${value.map((v) => number(v, digits)).join(", ")})` : number(value, digits);

  // The order the library computes a pass in: the first value that is not finite is the one it names.
  const firstNotFinite = (values) =>
    Object.keys(values).find((key) => [values[key]].flat(2).some((v) => !Number.isFinite(v)));

  function say(form, figure, state, message) {
    form.querySelector("[data-status]").textContent = message;
    figure.dataset.state = state; // "", "stale" or "refused": the stylesheet dims the graph for the last two
  }

  function update(form, figure) {
    const inputs = {};
    for (const field of form.querySelectorAll("[data-input]")) {
      const text = field.value.trim();
      inputs[field.dataset.input] = text === "" ? NaN : Number(text);
    }
    const unreadable = Object.keys(inputs).filter((key) => !Number.isFinite(inputs[key]));
    if (unreadable.length) {
      say(form, figure, "stale", `Not a finite number: ${unreadable.join(", ")}. The graph shows the last values.`);
      return;
    }
    const values = models[form.dataset.graph](inputs, form);
    const overflowed = firstNotFinite(values);
    if (overflowed !== undefined) {
      say(form, figure, "refused", `${overflowed} overflows float64: the library refuses these inputs.`);
      for (const span of figure.querySelectorAll("[data-live]")) {
        const [key, row] = span.dataset.live.split(".");
        const given = ["w", "x", "y"].includes(key); // the inputs, as typed; every computed value: none
        const value = row === undefined ? values[key] : values[key][Number(row)];
        span.textContent = given ? shown(value, Number(span.dataset.digits)) : "\u2013";
      }
      return;
    }
    say(form, figure, "", "");
    for (const span of figure.querySelectorAll("[data-live]")) {
      const [key, row] = span.dataset.live.split(".");
      const value = row === undefined ? values[key] : values[key][Number(row)];
      span.textContent = shown(value, Number(span.dataset.digits));
    }
  }

  function start() {
    for (const form of document.querySelectorAll("form.live-graph")) {
      const figure = form.closest("figure");
      const initial = Array.from(form.querySelectorAll("[data-input]"), (field) => field.value);
      form.hidden = false;
      // The caption speaks of the worked example: once the reader has typed other inputs, it says so.
      const changed = () => {
        const fields = Array.from(form.querySelectorAll("[data-input]"), (field) => field.value);
        figure.dataset.changed = fields.some((value, i) => value !== initial[i]) ? "true" : "";
      };
      form.addEventListener("input", () => {
        changed();
        update(form, figure);
      });
      form.querySelector("[data-reset]").addEventListener("click", () => {
        form.querySelectorAll("[data-input]").forEach((field, i) => (field.value = initial[i]));
        changed();
        update(form, figure);
      });
      form.addEventListener("submit", (event) => event.preventDefault());
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
