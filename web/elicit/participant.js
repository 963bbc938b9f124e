/* tenet · moral graph elicitation: the participant's pages. Vanilla JS; all text goes in via textContent. */
(function () {
  'use strict';

  var app = document.getElementById('app');
  var stepsEl = document.getElementById('steps');
  var state = { me: null, noMoreVotes: false, skipValues: false };

  // ---- helpers ---------------------------------------------------------------------------------------

  var h = window.TenetDom.h;

  function show() {
    app.textContent = '';
    for (var i = 0; i < arguments.length; i++) {
      var x = arguments[i];
      if (Array.isArray(x)) x.forEach(function (y) { if (y) app.appendChild(y); });
      else if (x) app.appendChild(x);
    }
    app.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  var api = window.TenetDom.jsonApi('/api');

  function errorBox(err) {
    return h('p', { class: 'error', role: 'alert', text: err && err.message ? err.message : String(err) });
  }

  /** A values card; policies' leading CAPITALS are emphasised. */
  function card(c, extra) {
    var items = c.policies.map(function (p) {
      var m = /^([A-Z][A-Z'’-]+(?:\s+[A-Z][A-Z'’-]+)?)(\b.*)$/.exec(p);
      return m ? h('li', null, h('span', { class: 'caps', text: m[1] }), m[2]) : h('li', { text: p });
    });
    return h('article', { class: 'vcard' + (extra ? ' ' + extra : '') }, h('h3', { text: c.title }), h('p', { text: c.description }), h('ul', null, items));
  }

  // ---- steps -----------------------------------------------------------------------------------------

  var STEP_NAMES = ['Your story', 'Wise values', 'Wiser?', 'Your place'];

  function renderSteps(current) {
    var me = state.me;
    var done = [me.steps.interview, me.steps.interview && (me.steps.values || state.skipValues), me.steps.interview && (me.steps.votes.done >= me.steps.votes.target || state.noMoreVotes), false];
    stepsEl.textContent = '';
    STEP_NAMES.forEach(function (name, i) {
      var cls = i === current ? 'current' : done[i] ? 'done' : '';
      stepsEl.appendChild(h('li', { class: cls, 'aria-current': i === current ? 'step' : null, text: (i + 1) + '. ' + name }));
    });
  }

  function refresh() {
    return api('GET', '/me').then(function (me) {
      state.me = me;
      route();
    }).catch(function (e) { show(errorBox(e)); });
  }

  function route() {
    var me = state.me;
    var pending = me.cards.filter(function (c) { return c.link && c.link.status === 'proposed'; })[0];
    if (pending) return showMerge(pending);
    if (!me.steps.interview) {
      var open = me.questions.filter(function (q) { return q.chat && q.chat.status === 'open'; })[0];
      if (open) return openChat(open.id);
      return showQuestions();
    }
    if (!me.steps.values && !state.skipValues) return showValues();
    if (me.steps.votes.done < me.steps.votes.target && !state.noMoreVotes) return showVotes();
    return showPosition();
  }

  // ---- 1. questions and the interview ----------------------------------------------------------------

  function showQuestions() {
    var me = state.me;
    renderSteps(0);
    var list = me.questions.map(function (q) {
      return h('div', { class: 'panel stack' },
        h('h2', { text: q.title }),
        h('div', { class: 'question', text: q.text }),
        h('button', { type: 'button', onclick: function () { openChat(q.id); } }, me.questions.length > 1 ? 'Answer this one' : 'Start'));
    });
    show(
      h('section', { class: 'panel stack' },
        h('h1', { text: me.deliberation.title }),
        me.deliberation.description ? h('p', { text: me.deliberation.description }) : null,
        h('p', { class: 'muted', text: 'You will talk with an interviewer about what you think matters when an AI assistant answers a question like the one below. Together you will write down one of your values as a short card. Then you will look at other people\'s values and judge a few short stories. It takes about 15 minutes.' })),
      me.questions.length > 1 ? h('h2', { text: 'Pick a question' }) : null,
      list);
  }

  function openChat(questionId) {
    return api('POST', '/chats', { questionId: questionId }).then(function (chat) { showChat(chat); }).catch(function (e) { show(errorBox(e)); });
  }

  function parseSse(raw) {
    var event = 'message';
    var data = '';
    raw.split('\n').forEach(function (line) {
      if (line.indexOf('event:') === 0) event = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data += line.slice(5).replace(/^ /, '');
    });
    if (!data) return null;
    try { var obj = JSON.parse(data); obj.type = obj.type || event; return obj; } catch (e) { return null; }
  }

  function streamTurn(chatId, body, onEvent) {
    return fetch('/api/chats/' + encodeURIComponent(chatId) + '/messages', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (d) { throw new Error((d.error && d.error.message) || 'HTTP ' + res.status); });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            var ev = parseSse(buffer.slice(0, i));
            buffer = buffer.slice(i + 2);
            if (ev) onEvent(ev);
          }
          return pump();
        });
      }
      return pump();
    });
  }

  function showChat(chat) {
    renderSteps(0);
    var question = state.me.questions.filter(function (q) { return q.id === chat.questionId; })[0];
    var log = h('div', { class: 'chat', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
    var input = h('textarea', { id: 'reply', rows: '3', maxlength: '4000', placeholder: 'Write your reply…' });
    var send = h('button', { type: 'submit' }, 'Send');
    var confirmBox = h('div', { class: 'row' });
    var status = h('p', { class: 'muted small', 'aria-live': 'polite' });
    var busy = false;

    function bubble(m) {
      if (m.kind === 'show_card' && m.card) {
        return h('div', { class: 'stack' }, h('div', { class: 'bubble assistant', text: m.content }), card(m.card));
      }
      if (m.kind === 'submit_card') return h('div', { class: 'bubble assistant', text: m.content });
      return h('div', { class: 'bubble ' + m.role, text: m.content });
    }

    function renderAll(view) {
      chat = view;
      log.textContent = '';
      view.messages.forEach(function (m) { log.appendChild(bubble(m)); });
      confirmBox.textContent = '';
      if (view.canConfirm) {
        confirmBox.appendChild(h('button', { type: 'button', class: 'secondary', id: 'confirm-card', onclick: function () { turn({ confirm: true }, 'Yes, this card captures what I care about.'); } }, 'This is my value — submit the card'));
        confirmBox.appendChild(h('span', { class: 'muted small', text: 'or tell the interviewer what to change.' }));
      }
    }

    function setBusy(b) {
      busy = b;
      send.disabled = b;
      input.disabled = b;
      Array.prototype.forEach.call(confirmBox.querySelectorAll('button'), function (x) { x.disabled = b; });
      status.textContent = b ? 'The interviewer is writing…' : '';
    }

    function turn(body, userText) {
      if (busy) return;
      setBusy(true);
      if (userText) log.appendChild(h('div', { class: 'bubble user', text: userText }));
      var pending = h('div', { class: 'bubble assistant typing' });
      log.appendChild(pending);
      pending.scrollIntoView({ block: 'end' });
      var submitted = false;
      var failed = null;
      streamTurn(chat.id, body, function (ev) {
        if (ev.type === 'delta') { pending.textContent += ev.text; pending.scrollIntoView({ block: 'end' }); }
        else if (ev.type === 'submitted') submitted = true;
        else if (ev.type === 'error') failed = ev.message;
        else if (ev.type === 'done') renderAll(ev.chat);
      }).catch(function (e) { failed = e.message; }).then(function () {
        pending.classList.remove('typing');
        setBusy(false);
        if (failed) {
          if (pending.parentNode) pending.parentNode.removeChild(pending);
          log.appendChild(h('div', { class: 'bubble error', role: 'alert' }, failed + ' ', h('button', { type: 'button', class: 'link', onclick: function () { turn({}, null); } }, 'Retry')));
          return;
        }
        if (submitted) return refresh();
        var last = log.lastElementChild;
        if (last) last.scrollIntoView({ block: 'end' });
        input.focus();
      });
    }

    var form = h('form', {
      class: 'composer',
      onsubmit: function (e) {
        e.preventDefault();
        var text = input.value.trim();
        if (!text) return;
        input.value = '';
        turn({ text: text }, text);
      },
    }, h('label', { for: 'reply', class: 'sr-only', text: 'Your reply' }), input, send);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });

    show(
      h('section', { class: 'panel' },
        h('h1', { text: question ? question.title : 'Your interview' }),
        h('p', { class: 'muted', text: 'How should an AI assistant answer this?' }),
        h('div', { class: 'question', text: question ? question.text : '' }),
        log, confirmBox, status, form));
    renderAll(chat);
    if (chat.messages.length === 0) turn({}, null);
    else if (chat.messages[chat.messages.length - 1].role === 'user') turn({}, null);
  }

  // ---- merge question --------------------------------------------------------------------------------

  function showMerge(entry) {
    renderSteps(0);
    var err = h('div');
    function decide(agree) {
      api('POST', '/cards/' + encodeURIComponent(entry.id) + '/merge', { agree: agree }).then(refresh).catch(function (e) { err.textContent = ''; err.appendChild(errorBox(e)); });
    }
    show(h('section', { class: 'panel stack' },
      h('h1', { text: 'Is this the same value as yours?' }),
      h('p', { text: 'Someone else wrote a card that looks very close to yours. If it says the same thing, we will count your voice for that card in the moral graph. If not, your card stays on its own.' }),
      h('div', { class: 'two' },
        h('div', null, h('h2', { text: 'Your card' }), card(entry.card, 'mine')),
        h('div', null, h('h2', { text: 'The existing card' }), card(entry.link.canonical))),
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: function () { decide(true); } }, 'Yes, they say the same thing'),
        h('button', { type: 'button', class: 'secondary', onclick: function () { decide(false); } }, 'No, keep mine separate')),
      err));
  }

  // ---- 2. which values are wise to consider ------------------------------------------------------------

  function showValues() {
    renderSteps(1);
    api('GET', '/values/draw').then(function (draw) {
      if (draw.cards.length === 0) {
        state.skipValues = true;
        return route();
      }
      var picked = {};
      var go = h('button', { type: 'submit', disabled: draw.minPicks > 0 }, 'Continue');
      var err = h('div');
      var grid = h('div', { class: 'cards', role: 'group', 'aria-label': 'Values to choose from' }, draw.cards.map(function (c, i) {
        var box = h('input', {
          type: 'checkbox',
          id: 'pick-' + i,
          'aria-label': c.title,
          onchange: function (e) {
            picked[c.id] = e.target.checked;
            var n = Object.keys(picked).filter(function (k) { return picked[k]; }).length;
            go.disabled = n < draw.minPicks;
          },
        });
        return h('label', { class: 'choice', for: 'pick-' + i }, box, card(c));
      }));
      var form = h('form', {
        class: 'stack',
        onsubmit: function (e) {
          e.preventDefault();
          var ids = Object.keys(picked).filter(function (k) { return picked[k]; });
          go.disabled = true;
          api('POST', '/values/vote', { drawId: draw.drawId, shown: draw.cards.map(function (c) { return c.id; }), picked: ids })
            .then(refresh)
            .catch(function (x) { go.disabled = false; err.textContent = ''; err.appendChild(errorBox(x)); });
        },
      }, grid, h('div', { class: 'row' }, go, h('span', { class: 'muted small', text: 'Pick at least ' + draw.minPicks + '.' })), err);
      show(h('section', { class: 'panel stack' },
        h('h1', { text: 'Which of these values would be wise to consider?' }),
        h('p', { class: 'muted', text: 'Other participants wrote these cards. Select the ones you think an assistant would be wise to keep in mind when answering the question.' }),
        form));
    }).catch(function (e) { show(errorBox(e)); });
  }

  // ---- 3. did this person become wiser? --------------------------------------------------------------

  function showVotes() {
    renderSteps(2);
    api('GET', '/votes/draw').then(function (questions) {
      if (questions.length === 0) {
        state.noMoreVotes = true;
        return route();
      }
      var i = 0;
      function next() {
        if (i >= questions.length) return refresh();
        var q = questions[i];
        var err = h('div');
        var name = 'rel-' + i;
        function opt(value, label) {
          return h('label', null, h('input', { type: 'radio', name: name, value: value, required: true }), label);
        }
        var why = h('textarea', { id: 'why', rows: '2', maxlength: '2000', placeholder: 'Optional' });
        var submit = h('button', { type: 'submit' }, i + 1 < questions.length ? 'Next story' : 'Finish');
        var form = h('form', {
          class: 'stack',
          onsubmit: function (e) {
            e.preventDefault();
            var choice = form.querySelector('input[name="' + name + '"]:checked');
            if (!choice) return;
            submit.disabled = true;
            api('POST', '/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: choice.value, why: why.value.trim() || null })
              .then(function () { i++; next(); })
              .catch(function (x) { submit.disabled = false; err.textContent = ''; err.appendChild(errorBox(x)); });
          },
        },
          h('fieldset', null, h('legend', { text: 'Did this person become wiser?' }),
            h('div', { class: 'options' }, opt('upgrade', 'Yes'), opt('no_upgrade', 'No'), opt('not_sure', 'Not sure'))),
          h('div', null, h('label', { for: 'why', text: 'Why? (optional)' }), why),
          h('div', { class: 'row' }, submit, h('span', { class: 'muted small', text: 'Story ' + (i + 1) + ' of ' + questions.length })),
          err);
        show(h('section', { class: 'panel stack' },
          h('span', { class: 'context', text: q.context }),
          h('h1', { text: 'Did this person become wiser?' }),
          h('p', { class: 'muted', text: 'Here is a story of someone who changed what they pay attention to.' }),
          h('blockquote', { class: 'story', text: q.story }),
          h('div', { class: 'pair' },
            h('div', null, h('p', { class: 'small muted', text: 'They used to focus on' }), card(q.from)),
            h('div', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
            h('div', null, h('p', { class: 'small muted', text: 'Now they focus on' }), card(q.to))),
          h('p', { text: q.context.replace(/^When/, 'When') + ', this person used to focus on “' + q.from.title + '”. Now they think “' + q.to.title + '” covers what mattered and more.' }),
          form));
      }
      next();
    }).catch(function (e) { show(errorBox(e)); });
  }

  // ---- 4. where your value sits ----------------------------------------------------------------------

  function showPosition() {
    renderSteps(3);
    api('GET', '/position').then(function (pos) {
      var graphBox = h('div', { class: 'graph', id: 'graph', role: 'img', 'aria-label': 'The moral graph: values, and arrows from a value to the one judged wiser' });
      var neighbours = pos.neighbours.length
        ? h('ul', null, pos.neighbours.map(function (n) {
          var text = n.relation === 'yours_wiser'
            ? 'Judged wiser than “' + n.other.title + '”'
            : '“' + n.other.title + '” was judged wiser than yours';
          return h('li', null, text, h('span', { class: 'muted small', text: ' — ' + n.contexts.join(', ') + ' (' + n.yes + ' yes, ' + n.against + ' against, ' + n.unsure + ' not sure)' }));
        }))
        : h('p', { class: 'muted', text: 'Nobody has voted on a story with your value yet. The graph grows as more people take part.' });
      var mine = pos.cards.map(function (c) {
        var note = c.status === 'agreed' ? 'Merged, with your agreement, into “' + c.canonical.title + '”.'
          : c.status === 'proposed' ? 'Waiting for your answer about a merge.'
          : c.status === 'unlinked' ? 'Not in the graph yet.' : '';
        return h('div', { class: 'stack' }, card(c.card, 'mine'), note ? h('p', { class: 'muted small', text: note }) : null);
      });
      show(
        h('section', { class: 'panel stack' },
          h('h1', { text: 'Where your value sits' }),
          h('p', { text: 'Thank you for taking part. ' + (pos.rank ? 'Your value is ranked ' + pos.rank + ' of ' + pos.rankedValues + ' values so far (PageRank over the edges people agreed on).' : 'Your value is in the graph; there are not yet enough votes to rank it.') }),
          h('div', { class: 'two' }, h('div', { class: 'stack' }, mine), h('div', null, h('h2', { text: 'What people said' }), neighbours))),
        h('section', { class: 'panel' },
          h('h2', { text: 'The moral graph so far' }),
          graphBox,
          h('div', { class: 'legend' }, h('span', { text: 'agreed: wiser' }), h('span', { class: 'dashed', text: 'voted, not yet agreed' }), h('b', { class: 'small', text: 'Your value is highlighted.' }))));
      window.TenetGraph.render(graphBox, pos.graph, {});
    }).catch(function (e) { show(errorBox(e)); });
  }

  refresh();
})();
