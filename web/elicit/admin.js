/* tenet · moral graph elicitation: the admin pages (the admin cookie authenticates the API calls). */
(function () {
  'use strict';

  var app = document.getElementById('app');
  var state = { list: [], current: null, detail: null, graph: { mode: 'improved', context: '', show: 'all' }, invites: [], poll: null };

  var h = window.TenetDom.h;

  var api = window.TenetDom.jsonApi('/api/admin', function () { window.location.href = '/admin'; });

  function errorBox(e) { return h('p', { class: 'error', role: 'alert', text: e.message || String(e) }); }

  function field(id, label, input) { return h('div', null, h('label', { for: id, text: label }), input); }

  // ---- layout ----------------------------------------------------------------------------------------

  function render() {
    var side = h('nav', { class: 'panel sidebar', 'aria-label': 'Deliberations' },
      h('h2', { text: 'Deliberations' }),
      h('ul', null, state.list.map(function (d) {
        return h('li', null, h('button', { type: 'button', 'aria-current': state.current === d.id ? 'true' : null, onclick: function () { select(d.id); } }, d.title));
      })),
      h('button', { type: 'button', class: 'secondary', id: 'new-deliberation', onclick: function () { state.current = null; state.detail = null; render(); } }, '+ New deliberation'));
    var main = h('div', { id: 'main' });
    app.textContent = '';
    app.appendChild(h('div', { class: 'layout' }, side, main));
    if (state.current && state.detail) renderDetail(main);
    else renderNew(main);
  }

  function load() {
    return api('GET', '/deliberations').then(function (list) {
      state.list = list;
      if (!state.current && list.length) return select(list[0].id);
      render();
    }).catch(function (e) { app.textContent = ''; app.appendChild(errorBox(e)); });
  }

  function select(id) {
    state.current = id;
    state.invites = [];
    state.graph.context = '';
    return api('GET', '/deliberations/' + encodeURIComponent(id)).then(function (d) {
      state.detail = d;
      render();
    });
  }

  // ---- new deliberation ------------------------------------------------------------------------------

  function renderNew(main) {
    var err = h('div');
    var questions = h('div', { class: 'stack', id: 'questions' });
    function addQuestion() {
      var n = questions.children.length + 1;
      questions.appendChild(h('fieldset', { class: 'stack' }, h('legend', { text: 'Question ' + n }),
        field('q-title-' + n, 'Short title', h('input', { type: 'text', id: 'q-title-' + n, class: 'q-title', maxlength: '200' })),
        field('q-text-' + n, 'The user\'s message the assistant must answer', h('textarea', { id: 'q-text-' + n, class: 'q-text', rows: '3', maxlength: '5000', required: true }))));
    }
    addQuestion();
    var form = h('form', {
      class: 'stack',
      onsubmit: function (e) {
        e.preventDefault();
        var qs = Array.prototype.map.call(questions.children, function (fs) {
          return { title: fs.querySelector('.q-title').value.trim(), text: fs.querySelector('.q-text').value.trim() };
        }).filter(function (q) { return q.text; });
        var body = {
          title: form.querySelector('#d-title').value.trim(),
          description: form.querySelector('#d-description').value.trim(),
          questions: qs,
          seedContexts: form.querySelector('#d-contexts').value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean),
          settings: {
            valuesToShow: Number(form.querySelector('#d-values').value),
            votesPerParticipant: Number(form.querySelector('#d-votes').value),
          },
        };
        api('POST', '/deliberations', body).then(function (created) {
          state.current = created.deliberation.id;
          return load().then(function () { return select(created.deliberation.id); });
        }).catch(function (x) { err.textContent = ''; err.appendChild(errorBox(x)); });
      },
    },
      field('d-title', 'Title', h('input', { type: 'text', id: 'd-title', required: true, maxlength: '200' })),
      field('d-description', 'Description for participants', h('textarea', { id: 'd-description', rows: '2', maxlength: '5000' })),
      questions,
      h('button', { type: 'button', class: 'secondary', onclick: addQuestion }, '+ Add a question'),
      field('d-contexts', 'Seed contexts (one per line, each starting with "When")', h('textarea', { id: 'd-contexts', rows: '4', placeholder: 'When the user is in distress\nWhen the user is making a decision' })),
      h('div', { class: 'three' },
        field('d-values', 'Cards in the value vote', h('input', { type: 'number', id: 'd-values', min: '2', max: '20', value: '6' })),
        field('d-votes', '"Wiser?" questions per participant', h('input', { type: 'number', id: 'd-votes', min: '1', max: '20', value: '4' }))),
      h('button', { type: 'submit' }, 'Create deliberation'),
      err);
    main.appendChild(h('section', { class: 'panel stack' }, h('h1', { text: 'New deliberation' }), form));
  }

  // ---- a deliberation --------------------------------------------------------------------------------

  function renderDetail(main) {
    var d = state.detail;
    var p = d.progress;
    var stats = [
      ['participants', 'invited'], ['joined', 'joined'], ['cards', 'values cards'], ['canonicalCards', 'canonical cards'],
      ['pendingMerges', 'merges waiting'], ['contexts', 'contexts'], ['hypotheses', 'upgrade stories'], ['votes', 'votes'], ['voters', 'voters'],
    ];
    main.appendChild(h('section', { class: 'panel stack' },
      h('h1', { text: d.deliberation.title }),
      d.deliberation.description ? h('p', { class: 'muted', text: d.deliberation.description }) : null,
      h('div', { class: 'stats' }, stats.map(function (s) { return h('div', { class: 'stat' }, h('b', { text: String(p[s[0]]) }), h('span', { text: s[1] })); })),
      h('details', null, h('summary', { text: d.questions.length + ' question(s), ' + d.contexts.length + ' context(s)' }),
        h('ol', null, d.questions.map(function (q) { return h('li', null, h('b', { text: q.title + ': ' }), q.text); })),
        h('ul', null, d.contexts.map(function (c) { return h('li', null, c.text, h('span', { class: 'muted small', text: ' (' + c.source + ')' })); })))));

    main.appendChild(h('div', { class: 'two' }, invitePanel(), jobsPanel()));
    main.appendChild(graphPanel());
  }

  function invitePanel() {
    var err = h('div');
    var out = state.invites.length
      ? h('div', { class: 'stack' },
        h('p', { class: 'small', text: 'Copy these links now: the tokens are stored only as hashes and cannot be shown again.' }),
        h('div', { class: 'invites', id: 'invite-links', tabindex: '0', text: state.invites.map(function (i) { return i.url; }).join('\n') }))
      : null;
    var form = h('form', {
      class: 'row',
      onsubmit: function (e) {
        e.preventDefault();
        api('POST', '/deliberations/' + encodeURIComponent(state.current) + '/invites', {
          count: Number(form.querySelector('#inv-count').value),
          label: form.querySelector('#inv-label').value.trim() || undefined,
        }).then(function (invites) {
          state.invites = invites;
          return select(state.current).then(function () { state.invites = invites; render(); });
        }).catch(function (x) { err.textContent = ''; err.appendChild(errorBox(x)); });
      },
    },
      h('div', { style: null }, h('label', { for: 'inv-count', text: 'How many' }), h('input', { type: 'number', id: 'inv-count', min: '1', max: '1000', value: '5' })),
      h('div', { class: 'grow' }, h('label', { for: 'inv-label', text: 'Label (a cohort, not a name)' }), h('input', { type: 'text', id: 'inv-label', maxlength: '100' })),
      h('button', { type: 'submit', id: 'create-invites' }, 'Create invite links'));
    return h('section', { class: 'panel stack' }, h('h2', { text: 'Invite participants' }), form, out, err);
  }

  function jobsPanel() {
    var err = h('div');
    function start(kind) {
      api('POST', '/deliberations/' + encodeURIComponent(state.current) + '/jobs', { kind: kind })
        .then(function () { return select(state.current); })
        .then(schedulePoll)
        .catch(function (x) { err.textContent = ''; err.appendChild(errorBox(x)); });
    }
    var jobs = state.detail.jobs;
    var table = jobs.length
      ? h('table', { id: 'jobs' }, h('thead', null, h('tr', null, h('th', { text: 'Job' }), h('th', { text: 'Status' }), h('th', { text: 'Result' }))),
        h('tbody', null, jobs.map(function (j) {
          var result = j.error ? j.error : j.result ? Object.keys(j.result).filter(function (k) { return k !== 'runId'; }).map(function (k) { return k + ' ' + j.result[k]; }).join(', ') : '';
          return h('tr', null, h('td', { text: j.kind }), h('td', null, h('span', { class: 'badge ' + j.status, text: j.status })), h('td', { class: 'small', text: result }));
        })))
      : h('p', { class: 'muted small', text: 'No jobs yet.' });
    return h('section', { class: 'panel stack' },
      h('h2', { text: 'Jobs' }),
      h('p', { class: 'muted small', text: 'Dedupe links new cards to canonical ones (participants are asked before a merge). Hypotheses extracts contexts and writes upgrade stories for the "wiser?" questions.' }),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'run-dedupe', onclick: function () { start('dedupe'); } }, 'Run dedupe'),
        h('button', { type: 'button', id: 'run-hypotheses', onclick: function () { start('hypotheses'); } }, 'Generate upgrade stories')),
      table, err);
  }

  function schedulePoll() {
    if (state.poll) clearTimeout(state.poll);
    var active = state.detail && state.detail.jobs.some(function (j) { return j.status === 'queued' || j.status === 'running'; });
    if (!active) return;
    state.poll = setTimeout(function () {
      state.poll = null;
      var keep = state.invites;
      select(state.current).then(function () { state.invites = keep; render(); schedulePoll(); });
    }, 1000);
  }

  function graphPanel() {
    var box = h('div', { class: 'graph', id: 'graph', role: 'img', 'aria-label': 'The moral graph' });
    var side = h('div', { class: 'stack' });
    var info = h('div', { id: 'node-info', class: 'small' }, h('p', { class: 'muted', text: 'Select a value to see its card.' }));
    var contextSelect = h('select', { id: 'g-context' });
    var modeSelect = h('select', { id: 'g-mode' }, h('option', { value: 'improved', text: 'improved (Beta-binomial, per context)' }), h('option', { value: 'study', text: 'study (2023 rule)' }));
    var showSelect = h('select', { id: 'g-show' }, h('option', { value: 'all', text: 'agreed edges and other voted pairs' }), h('option', { value: 'kept', text: 'agreed edges only' }));
    modeSelect.value = state.graph.mode;
    showSelect.value = state.graph.show;
    var exportLinks = h('div', { class: 'row' },
      h('a', { class: 'button secondary', id: 'export-tenet', href: exportUrl('tenet'), download: '' }, 'Export (tenet format)'),
      h('a', { class: 'button secondary', id: 'export-study', href: exportUrl('study'), download: '' }, 'Export (study format)'));
    function refreshLinks() {
      exportLinks.querySelector('#export-tenet').setAttribute('href', exportUrl('tenet'));
      exportLinks.querySelector('#export-study').setAttribute('href', exportUrl('study'));
    }
    function draw() {
      var q = '?mode=' + state.graph.mode + '&show=' + state.graph.show + (state.graph.context ? '&context=' + encodeURIComponent(state.graph.context) : '');
      api('GET', '/deliberations/' + encodeURIComponent(state.current) + '/graph' + q).then(function (view) {
        contextSelect.textContent = '';
        contextSelect.appendChild(h('option', { value: '', text: 'all contexts' }));
        view.contexts.forEach(function (c) { contextSelect.appendChild(h('option', { value: c, text: c })); });
        contextSelect.value = state.graph.context;
        box.textContent = '';
        window.TenetGraph.render(box, view, {
          onSelect: function (d) {
            info.textContent = '';
            info.appendChild(h('div', { class: 'vcard' }, h('h3', { text: '#' + d.seq + ' ' + d.label }), h('p', { text: d.description }), h('ul', null, d.policies.map(function (p) { return h('li', { text: p }); }))));
          },
        });
        side.textContent = '';
        side.appendChild(h('p', { class: 'small muted', text: view.voteCount + ' votes from ' + view.voterCount + ' voters · ' + view.edges.filter(function (e) { return e.data.kept; }).length + ' agreed edges' }));
        var ranked = view.ranking.values.slice(0, 10);
        side.appendChild(ranked.length
          ? h('table', { id: 'ranking' }, h('thead', null, h('tr', null, h('th', { text: '#' }), h('th', { text: 'Value' }), h('th', { class: 'num', text: 'PageRank' }), h('th', { class: 'num', text: 'wisdom' }))),
            h('tbody', null, ranked.map(function (v) {
              return h('tr', null, h('td', { text: String(v.rank) }), h('td', { text: v.title }), h('td', { class: 'num', text: v.pageRank.toFixed(3) }), h('td', { class: 'num', text: v.wisdom.toFixed(2) }));
            })))
          : h('p', { class: 'muted small', text: 'No agreed edges yet, so nothing to rank. ' + (state.graph.mode === 'improved' ? 'The improved mode needs at least five decisive votes on a pair in a context.' : '') }));
        side.appendChild(info);
      }).catch(function (e) { box.textContent = ''; box.appendChild(errorBox(e)); });
    }
    modeSelect.addEventListener('change', function () { state.graph.mode = modeSelect.value; refreshLinks(); draw(); });
    showSelect.addEventListener('change', function () { state.graph.show = showSelect.value; draw(); });
    contextSelect.addEventListener('change', function () { state.graph.context = contextSelect.value; draw(); });
    var panel = h('section', { class: 'panel stack' },
      h('h2', { text: 'Moral graph' }),
      h('div', { class: 'three' }, field('g-mode', 'Aggregation', modeSelect), field('g-context', 'Context', contextSelect), field('g-show', 'Show', showSelect)),
      h('div', { class: 'graph-row' }, h('div', null, box, h('div', { class: 'legend' }, h('span', { text: 'agreed: arrow points to the wiser value' }), h('span', { class: 'dashed', text: 'voted, not (yet) agreed' }))), side),
      exportLinks);
    setTimeout(draw, 0);
    return panel;
  }

  function exportUrl(format) {
    return '/api/admin/deliberations/' + encodeURIComponent(state.current) + '/export?format=' + format + '&mode=' + state.graph.mode;
  }

  load().then(schedulePoll);
})();
