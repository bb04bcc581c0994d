// The connection card shows only the chosen authentication type's fields. The server renders
// the others with the hidden attribute (so the page works without JavaScript); this switches
// them when the type is changed, before saving.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[name=authentication_type]")) {
    return;
  }
  var chosen = select.value;
  var parts = document.querySelectorAll(".setup-card [data-auth]");
  for (var i = 0; i < parts.length; i++) {
    var types = parts[i].getAttribute("data-auth").split(" ");
    parts[i].hidden = types.indexOf(chosen) === -1;
  }
});
