/* Select2's own texts in Dutch ("Remove all items" was read out in English). Loaded after
   select2 and before ab.js, so every select on every page gets them. */
(function ($) {
  if (!$ || !$.fn.select2 || !$.fn.select2.defaults) { return; }
  $.fn.select2.defaults.set('language', {
    errorLoading: function () { return 'De resultaten konden niet worden geladen.'; },
    inputTooLong: function (a) { return 'Typ ' + (a.input.length - a.maximum) + ' teken(s) minder.'; },
    inputTooShort: function (a) { return 'Typ nog ' + (a.minimum - a.input.length) + ' teken(s).'; },
    loadingMore: function () { return 'Meer laden…'; },
    maximumSelected: function (a) { return 'U kunt er hoogstens ' + a.maximum + ' kiezen.'; },
    noResults: function () { return 'Niets gevonden.'; },
    searching: function () { return 'Zoeken…'; },
    removeAllItems: function () { return 'Keuze wissen'; },
    removeItem: function () { return 'Verwijderen'; },
    search: function () { return 'Zoeken'; }
  });
  $.fn.select2.defaults.set('placeholder', 'Kies een waarde');
}(window.jQuery));
