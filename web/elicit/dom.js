/* tenet · elicitation pages: what both pages share. window.TenetDom.h(tag, attrs, ...children), window.TenetDom.jsonApi(base, onUnauthorized) */
(function () {
  'use strict';

  /** Build an element; text is always set as text (never parsed as HTML). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') el.textContent = v;
        else if (k === 'class') el.className = v;
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
      else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }

  /** A JSON API caller under `base`: resolves with the body, rejects with the server's error message. */
  function jsonApi(base, onUnauthorized) {
    return function api(method, path, body) {
      return fetch(base + path, {
        method: method,
        credentials: 'same-origin',
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.status === 401 && onUnauthorized) onUnauthorized();
          if (!res.ok) throw new Error((data.error && data.error.message) || 'HTTP ' + res.status);
          return data;
        });
      });
    };
  }

  window.TenetDom = { h: h, jsonApi: jsonApi };
})();
