// The computation graphs of the neuron and two-layer pages, live: the reader changes an input, and every
// value on the forward wires and every gradient on the backward wires is computed again, here, in plain
// JavaScript (numpy cannot run in the browser offline). The same equations as the library's; the browser
// test (tests/pages/test_browser.py) sets random inputs and compares every number shown with litbackprop's.
(() => {
  const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
  const matvec = (M, v) => M.map((row) => row.reduce((s, m, j) => s + m * v[j], 0));
  const transposeTimes = (M, v) => M[0].map((_, j) => M.reduce((s, row, k) => s + row[j] * v[k], 0));
  const outer = (u, v) => u.map((a) => v.map((b) => a * b));

  const models = {
    neuron(inputs) {
      const w = [inputs.w0, inputs.w1, inputs.w2];
      const x = [inputs.x0, inputs.x1, 1]; // the last input is the constant 1 of the bias w2
      const z = w.reduce((s, wi, i) => s + wi * x[i], 0);
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

  // As the build draws them (docs/_hooks/graphs.py): rounded, no trailing zeros, no -0, a true minus sign.
  const number = (v, digits) => {
    const rounded = Math.round(v * 10 ** digits) / 10 ** digits + 0;
    let text = (Object.is(rounded, -0) ? 0 : rounded).toFixed(digits);
    if (text.includes(".")) text = text.replace(/\.?0+$/, "");
    return (text === "-0" ? "0" : text).replace("-", "\u2212");
  };
  const shown = (value, digits) =>
    Array.isArray(value) ? `(${value.map((v) => number(v, digits)).join(", ")})` : number(value, digits);

  function update(form, figure) {
    const inputs = {};
    for (const field of form.querySelectorAll("[data-input]")) {
      inputs[field.dataset.input] = field.tagName === "SELECT" ? Number(field.value) : parseFloat(field.value);
    }
    if (Object.values(inputs).some((v) => !Number.isFinite(v))) return; // a field being typed in: wait
    const values = models[form.dataset.graph](inputs, form);
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
      form.addEventListener("input", () => update(form, figure));
      form.querySelector("[data-reset]").addEventListener("click", () => {
        form.querySelectorAll("[data-input]").forEach((field, i) => (field.value = initial[i]));
        update(form, figure);
      });
      form.addEventListener("submit", (event) => event.preventDefault());
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
