// Measures the incident page (BundleHTML) as Chromium lays it out, for
// Tests/CorrelatePipelineTests/IncidentPageBrowserTests.swift. The page itself holds no script:
// the test writes a wrapper page holding this script and the page in <iframe srcdoc> frames
// (same origin as the wrapper, so their DOM can be read), one per width, and reads the result
// back from `chromium --dump-dom`: a JSON object, base64 in <pre id="result">.
//
// Per frame (by its id, e.g. "w400"):
//   viewport, scrollWidth        the frame's layout viewport and the document's width
//   overflow.closed/.open        elements past the viewport's left or right edge, every
//                                <details> closed (as loaded), then every one opened
//   smallText                    elements with text of their own under 11 px (SVG text as drawn)
//   logs                         every log line: its trace article, the span section holding
//                                it, where (inside that section, below the span's row), what
//   marks                        every label on a bar, and whether it stays in its track
//   axes                         per waterfall: its ticks shown, overlapping or past the track
//   spans                        every span section: classes, name, error message
//   links                        every <a href>; brokenAnchors: #ids that name nothing
window.addEventListener('load', () => {
  const results = {};
  for (const frame of document.querySelectorAll('iframe')) {
    results[frame.id] = measure(frame.contentDocument);
  }
  const json = JSON.stringify(results);
  document.getElementById('result').textContent = btoa(unescape(encodeURIComponent(json)));
});

function describe(element) {
  const owner = element.closest('[id]');
  const text = (element.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80);
  return `${element.tagName.toLowerCase()}.${(element.getAttribute('class') || '').replace(/ /g, '.')} in #${owner ? owner.id : '-'}: ${text}`;
}

function box(rect) {
  return { left: Math.round(rect.left * 10) / 10, right: Math.round(rect.right * 10) / 10, top: Math.round(rect.top), bottom: Math.round(rect.bottom) };
}

function overflowing(doc, viewport) {
  const out = [];
  for (const element of doc.body.querySelectorAll('*')) {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    // Content a scroll box of its own keeps reachable is not past the page's edge.
    let parent = element.parentElement, scrolled = false;
    while (parent && parent !== doc.body) {
      const style = doc.defaultView.getComputedStyle(parent);
      if (style.overflowX === 'auto' || style.overflowX === 'scroll') { scrolled = true; break; }
      parent = parent.parentElement;
    }
    if (scrolled) continue;
    if (rect.left < -0.5 || rect.right > viewport + 0.5) out.push({ what: describe(element), ...box(rect) });
  }
  return out;
}

function measure(doc) {
  const win = doc.defaultView;
  const viewport = doc.documentElement.clientWidth;
  const result = { viewport, scrollWidth: doc.documentElement.scrollWidth, overflow: {}, smallText: [], logs: [], marks: [], axes: [], spans: [], links: [], brokenAnchors: [] };

  for (const element of doc.body.querySelectorAll('*')) {
    const ownText = [...element.childNodes].some(node => node.nodeType === 3 && node.textContent.trim() !== '');
    if (!ownText || element.getClientRects().length === 0) continue;
    let size = parseFloat(win.getComputedStyle(element).fontSize);
    // SVG text is drawn scaled with its drawing: its size on screen is what counts.
    const svg = element.closest('svg');
    if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0) {
      size = size * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    if (size < 11) result.smallText.push({ what: describe(element), size: Math.round(size * 10) / 10 });
  }

  for (const item of doc.querySelectorAll('li.log')) {
    const section = item.closest('[data-span]');
    const article = item.closest('article');
    const row = section ? section.querySelector(':scope > details > summary, :scope > .row') : null;
    const rect = item.getBoundingClientRect();
    const sectionRect = section ? section.getBoundingClientRect() : null;
    const rowRect = row ? row.getBoundingClientRect() : null;
    const message = item.querySelector('.msg');
    let firstLine = '';
    for (const node of message.childNodes) {
      if (node.nodeType === 1 && node.tagName === 'DETAILS') break;
      firstLine += node.textContent;
    }
    result.logs.push({
      article: article ? article.id : null,
      span: section ? section.dataset.span : null,
      loose: !!item.closest('.loose'),
      unlinked: !!item.closest('.unlinked'),
      time: item.querySelector('time') ? item.querySelector('time').getAttribute('datetime') : null,
      level: item.querySelector('.lvl').textContent,
      message: firstLine,
      sources: [...item.querySelectorAll('.src span[title]')].map(s => ({ short: s.textContent, title: s.getAttribute('title') })),
      insideSection: !!sectionRect && rect.top >= sectionRect.top - 0.5 && rect.bottom <= sectionRect.bottom + 0.5
        && rect.left >= sectionRect.left - 0.5 && rect.right <= sectionRect.right + 0.5,
      belowRow: !!rowRect && rect.top >= rowRect.bottom - 0.5,
    });
  }

  for (const mark of doc.querySelectorAll('.track .mark')) {
    const track = mark.closest('.track').getBoundingClientRect();
    const rect = mark.getBoundingClientRect();
    const article = mark.closest('article');
    result.marks.push({
      article: article ? article.id : null, text: mark.textContent.trim(), queue: !!mark.closest('.queue'),
      inTrack: rect.left >= track.left - 0.5 && rect.right <= track.right + 0.5, ...box(rect),
    });
  }

  for (const axis of doc.querySelectorAll('.wf .axis .track')) {
    const track = axis.getBoundingClientRect();
    const ticks = [...axis.querySelectorAll('.t')].filter(tick => tick.getClientRects().length > 0)
      .map(tick => ({ label: tick.textContent, ...box(tick.getBoundingClientRect()) }));
    let overlapping = false;
    for (let index = 1; index < ticks.length; index++) {
      if (ticks[index].left < ticks[index - 1].right) overlapping = true;
    }
    const outside = ticks.some(tick => tick.left < track.left - 0.5 || tick.right > track.right + 0.5);
    result.axes.push({ article: axis.closest('article').id, labels: ticks.map(t => t.label), overlapping, outside });
  }

  for (const section of doc.querySelectorAll('[data-span]')) {
    const name = section.querySelector(':scope > details > summary .name');
    const error = section.querySelector(':scope > .err-msg');
    result.spans.push({
      article: section.closest('article').id, span: section.dataset.span, classes: section.className,
      name: name ? name.textContent : '', error: error ? error.textContent : null,
    });
  }

  for (const link of doc.querySelectorAll('a[href]')) {
    const href = link.getAttribute('href');
    result.links.push({ href, className: link.className, text: link.textContent });
    if (href.startsWith('#') && !doc.getElementById(href.slice(1))) result.brokenAnchors.push(href);
  }

  result.overflow.closed = overflowing(doc, viewport);
  for (const details of doc.querySelectorAll('details')) details.open = true;
  result.overflow.open = overflowing(doc, viewport);
  result.scrollWidthOpen = doc.documentElement.scrollWidth;
  return result;
}
