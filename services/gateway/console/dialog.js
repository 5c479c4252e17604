// A confirmation dialog (<dialog>, modal): resolves with { reason } on confirm, null on cancel.
import { fill, h } from "./format.js";

export function confirmAction({ title, message, details = [], confirmLabel, danger = false, reasonLabel }) {
  const dialog = document.getElementById("confirm-dialog");
  const reason = reasonLabel
    ? h("textarea", {
        id: "confirm-reason",
        rows: 3,
        required: true,
        maxlength: 500,
        placeholder: "why (kept in the audit log)",
      })
    : null;
  const error = h("p", { class: "error", role: "alert" });
  const ok = h(
    "button",
    { type: "button", class: danger ? "danger" : "primary", id: "confirm-ok" },
    confirmLabel,
  );
  const cancel = h("button", { type: "button", id: "confirm-cancel" }, "Back");
  fill(
    dialog,
    h(
      "div",
      { class: "dialog-body" },
      h("h2", {}, title),
      h("p", {}, message),
      details.length
        ? h(
            "dl",
            { class: "facts" },
            details.map(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono" }, v)]),
          )
        : null,
      reason ? h("label", { for: "confirm-reason" }, reasonLabel) : null,
      reason,
      error,
      h("div", { class: "actions" }, cancel, ok),
    ),
  );
  reason?.addEventListener("input", () => {
    error.textContent = "";
  });
  return new Promise((resolve) => {
    const close = (value) => {
      dialog.close();
      resolve(value);
    };
    cancel.addEventListener("click", () => close(null));
    dialog.addEventListener("cancel", () => resolve(null), { once: true });
    ok.addEventListener("click", () => {
      const text = reason?.value.trim() ?? "";
      if (reason && text === "") {
        error.textContent = "A reason is required.";
        reason.focus();
        return;
      }
      close({ reason: text });
    });
    dialog.showModal();
    (reason ?? ok).focus();
  });
}
