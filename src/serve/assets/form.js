// Adds a unit row without a round trip: the "add a row" button is also a submit button, so
// without this script the server adds the row instead.
(function () {
  if (window.policyCalcRows) return;
  window.policyCalcRows = true;
  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('[data-add-row]') : null;
    if (!b) return;
    var list = document.getElementById(b.getAttribute('data-add-row'));
    var tpl = document.getElementById(b.getAttribute('data-template'));
    var count = document.getElementById(b.getAttribute('data-rows'));
    if (!list || !tpl || !count) return;
    e.preventDefault();
    var n = (parseInt(count.value, 10) || 0) + 1;
    count.value = String(n);
    list.insertAdjacentHTML('beforeend', tpl.innerHTML.replace(/__N__/g, String(n)));
    var first = list.lastElementChild && list.lastElementChild.querySelector('input, select');
    if (first) first.focus();
  });
})();
