// Small progressive enhancements; every page works without this file.
document.addEventListener("keydown", (event) => {
  // "/" jumps to search, as on many documentation sites.
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.querySelector("#q") || document.querySelector("#header-q");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// "Expand all" / "Collapse all" for folded explanations (hidden without JavaScript).
document.querySelectorAll("[data-details-toggle]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = button.dataset.detailsToggle === "open";
    document.querySelectorAll(`${button.dataset.target} details`).forEach((d) => { d.open = open; });
  });
});

// The main navigation folds into a menu on narrow screens; without JavaScript it stays open.
document.documentElement.classList.add("js");
const menuButton = document.querySelector(".menu-toggle");
if (menuButton) {
  const menu = document.getElementById(menuButton.getAttribute("aria-controls"));
  menuButton.addEventListener("click", () => {
    const open = menuButton.getAttribute("aria-expanded") !== "true";
    menuButton.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menuButton.getAttribute("aria-expanded") === "true") {
      menuButton.click();
      menuButton.focus();
    }
  });
}
