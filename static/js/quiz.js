// Keyboard shortcuts for practice, exams and reviews, and the exam countdown.
// Everything here is a shortcut: each page works with a mouse, a keyboard and Tab, or no JS at all.
(() => {
  const typing = (el) => el && el.closest("input[type=text], input[type=search], input[type=number], textarea, select, [contenteditable]");

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const card = document.querySelector("[data-quiz]");
    if (!card) return;
    const rating = card.querySelector("[data-rating]");
    const ratingVisible = rating && rating.offsetParent !== null;

    if (ratingVisible && /^[1-4]$/.test(event.key)) {
      rating.querySelector(`[data-key="${event.key}"]`)?.click();
      event.preventDefault();
      return;
    }
    if (event.key === " " && !event.target.closest("button, a, summary")) {
      const reveal = card.querySelector("details[data-reveal]:not([open])");
      if (reveal) {
        reveal.open = true;
      } else if (ratingVisible) {
        // Space = the suggested rating (Again after a wrong answer), else Good.
        (rating.querySelector(".suggested") || rating.querySelector('[data-key="3"]'))?.click();
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      const inputs = card.querySelectorAll("[data-keys] input");
      const input = inputs[Number(event.key) - 1];
      if (input) {
        input.click();
        input.focus();
        event.preventDefault();
      }
      return;
    }
    if (event.key === "Enter" && !event.target.closest("button, a, summary")) {
      const form = card.querySelector("form[data-answer]") || (card.matches("form[data-answer]") ? card : null);
      if (form) {
        form.requestSubmit(form.querySelector("[data-next]") || undefined);
        event.preventDefault();
      }
      return;
    }
    if (event.key === "n" || event.key === "N") {
      const next = card.querySelector("[data-next]");
      if (next && !card.querySelector("form[data-answer]")) {
        next.click();
        event.preventDefault();
      }
    }
  });

  // The exam clock: the server holds the deadline; this only shows it and submits at zero.
  const startTimer = () => {
    const timer = document.querySelector("[data-timer]");
    if (!timer || timer.dataset.started) return;
    timer.dataset.started = "1";
    const end = Date.now() + Number(timer.dataset.remaining) * 1000;
    const clock = timer.querySelector("[data-clock]");
    const pad = (n) => String(n).padStart(2, "0");
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      clock.textContent = h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
      timer.classList.toggle("low", left <= 300);
      if (left === 0) {
        clearInterval(handle);
        document.getElementById(timer.dataset.expireForm)?.submit();
      }
    };
    const handle = setInterval(tick, 1000);
    tick();
  };
  document.addEventListener("DOMContentLoaded", startTimer);
  document.addEventListener("htmx:afterSwap", startTimer);
})();
