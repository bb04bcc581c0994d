// The few behaviours the pages have without inline handlers, so the Content-Security-Policy can
// refuse every inline script: a select that submits its form when changed, and forms that ask
// for a confirmation first (data-confirm="...").
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
    field.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
