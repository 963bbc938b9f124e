/* tenet · moral graph view (Cytoscape). window.TenetGraph.render(container, view, {onSelect}) */
(function () {
  'use strict';

  function render(container, view, opts) {
    opts = opts || {};
    var elements = [];
    view.nodes.forEach(function (n) {
      var d = Object.assign({}, n.data);
      elements.push({ group: 'nodes', data: d, classes: d.mine ? 'mine' : '' });
    });
    view.edges.forEach(function (e) {
      elements.push({ group: 'edges', data: Object.assign({}, e.data, { w: e.data.kept ? 1.5 + 4 * Math.min(1, e.data.weight) : 1.2 }), classes: e.data.kept ? 'kept' : 'voted' });
    });
    if (typeof cytoscape !== 'function') {
      container.textContent = 'The graph view needs Cytoscape, which did not load.';
      return null;
    }
    var cy = cytoscape({
      container: container,
      elements: elements,
      boxSelectionEnabled: false,
      wheelSensitivity: 0.25,
      minZoom: 0.3,
      maxZoom: 2.5,
      style: [
        {
          selector: 'node',
          style: {
            shape: 'round-rectangle',
            width: 150,
            height: 48,
            'background-color': '#e9eefc',
            'border-color': '#3a56c5',
            'border-width': 1.5,
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-max-width': '138px',
            'text-valign': 'center',
            'text-halign': 'center',
            'font-size': 11,
            'font-family': 'system-ui, sans-serif',
            color: '#1d2330',
          },
        },
        { selector: 'node.mine', style: { 'background-color': '#fdf1e4', 'border-color': '#d9822b', 'border-width': 3, 'font-weight': 700 } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#1d2330' } },
        {
          selector: 'edge',
          style: {
            'curve-style': 'bezier',
            'target-arrow-shape': 'triangle',
            'arrow-scale': 1.1,
            width: 'data(w)',
            'line-color': '#3a56c5',
            'target-arrow-color': '#3a56c5',
            opacity: 0.85,
          },
        },
        { selector: 'edge.voted', style: { 'line-style': 'dashed', 'line-color': '#9aa3b5', 'target-arrow-color': '#9aa3b5' } },
      ],
      layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.15, padding: 24, avoidOverlap: true, nodeDimensionsIncludeLabels: true },
    });
    // breadthfirst stacks the levels top to bottom; a long chain reads better left to right.
    var bb = cy.elements().boundingBox();
    if (cy.nodes().length > 1 && bb.h > bb.w * 1.2) {
      cy.nodes().positions(function (n) { var p = n.position(); return { x: p.y * 1.6, y: p.x }; });
      cy.fit(undefined, 24);
    }
    cy.on('tap', 'node', function (evt) { if (opts.onSelect) opts.onSelect(evt.target.data()); });
    container.tenetGraph = cy;
    return cy;
  }

  window.TenetGraph = { render: render };
})();
