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
