/// The page's one style sheet: colours as variables (a dark set for `prefers-color-scheme:
/// dark`), the waterfall as a CSS grid whose bars are placed in percentages of their track,
/// and below 760 px a layout for phones and narrow windows: the bar under the span's name, the
/// traces table as cards, label and value stacked. A time axis under 560 px labels every other
/// tick (a container query). Long words (paths, ids, URLs) break anywhere rather than widen the
/// page.
extension BundleHTML {
    static let style = """
        :root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fff;--panel:#f5f6f8;--line:#e1e3e6;--grid:#eceef1;\
        --bar:#9db0bd;--crit:#2f74c0;--err:#c62828;--err-bg:#fdeeee;--warn:#a05a00;--warn-bg:#fff5e1;--queue:#c99700;\
        --culprit:#b3261e;--culprit-bg:#fff1ec;--tick:#1d1d1f;--link:#0b57d0;--chip:#eef0fa}
        @media (prefers-color-scheme:dark){:root{--fg:#e3e3e3;--muted:#a3a7ab;--bg:#141619;--panel:#1d2024;--line:#30343a;\
        --grid:#262a2f;--bar:#56697a;--crit:#5a9ef0;--err:#ff7470;--err-bg:#3a1f1f;--warn:#f2b64d;--warn-bg:#35290f;\
        --queue:#e2b200;--culprit:#ff8a80;--culprit-bg:#3a2320;--tick:#f0f0f0;--link:#8ab4f8;--chip:#262a3d}}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:0 20px 48px;\
        color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
        a{color:var(--link)}h1{font-size:21px;margin:18px 0 4px}h2{font-size:19px;margin:34px 0 8px}h3{font-size:15px;margin:0 0 4px}
        h4{font-size:12px;margin:10px 0 2px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        header.page{border-bottom:1px solid var(--line);padding-bottom:8px}nav ol{margin:6px 0;padding-left:22px}
        .meta{color:var(--muted);font-size:12px}code,pre,.wf,.kv,.logs{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
        code{font-size:12px}
        .badge{display:inline-block;font-size:12px;padding:1px 9px;border-radius:10px;color:#fff;vertical-align:2px}\
        .badge.firing{background:#c62828}.badge.resolved{background:#2e7d32}
        .label{display:inline-block;background:var(--chip);border-radius:4px;padding:0 6px;margin:1px 0;font:12px ui-monospace,monospace}
        dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 14px;margin:8px 0 14px}
        dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;min-width:0}code.expr{display:inline-block;margin-top:2px}
        table.traces{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0 4px}
        .traces th,.traces td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
        .traces th{background:var(--panel);font-weight:600;white-space:nowrap}.traces td:first-child,.traces code{white-space:nowrap}.traces td.num{text-align:right;white-space:nowrap}
        .traces tr.error td{background:var(--err-bg)}.culprit,.mark{color:var(--culprit)}td.culprit{font-weight:600;white-space:nowrap}
        .svc{color:var(--muted);font-weight:normal}.st{white-space:nowrap}.st.ok{color:#2e7d32}.st.error,.x{color:var(--err);font-weight:700}
        article.trace{border:1px solid var(--line);border-radius:8px;padding:10px 14px 8px;margin:18px 0}
        article.trace.failed{border-left:4px solid var(--err)}
        .rank{display:inline-block;min-width:22px;text-align:center;border-radius:11px;background:var(--panel);font-size:12px;padding:0 6px}
        p.when,p.ids,p.why,p.qw,p.hop{margin:2px 0}.id{overflow-wrap:anywhere}
        .failure{background:var(--err-bg);border-radius:6px;padding:6px 10px;margin:8px 0}.failure p{margin:0}
        .culprit-box{background:var(--culprit-bg);border-radius:6px;padding:6px 10px;margin:8px 0}.culprit-box p{margin:0}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;line-height:1.4;background:var(--panel);padding:8px;border-radius:6px;margin:4px 0}
        .failure pre{background:var(--bg)}details>summary{cursor:pointer}
        dl.kv{display:grid;grid-template-columns:minmax(6em,max-content) minmax(0,1fr);gap:0 12px;margin:4px 0;font-size:12px}
        dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;min-width:0;white-space:pre-wrap}
        .swatch{display:inline-block;width:16px;height:9px;border-radius:2px;background:var(--bar);vertical-align:middle}
        .swatch.crit{background:var(--crit)}.swatch.tick{width:2px;height:13px;background:var(--tick);border-radius:0}
        .swatch.queue,.queue .bar{background:repeating-linear-gradient(135deg,var(--queue) 0 2px,transparent 2px 5px);box-shadow:inset 0 0 0 1px var(--queue)}
        .wf{margin:12px 0 2px;font-size:12px;line-height:1.4}
        .wf .row{display:grid;grid-template-columns:minmax(0,28%) 8.5em minmax(0,1fr) 5em;column-gap:10px;align-items:center;padding:1px 4px;border-radius:4px}
        .wf summary.row{list-style:none}.wf summary.row::-webkit-details-marker{display:none}.wf summary.row:hover{background:var(--panel)}
        .wf .name{padding-left:min(calc(var(--d,0) * 14px),9em)}.wf summary .name::before{content:"▸";color:var(--muted);margin-right:5px}
        .wf details[open]>summary .name::before{content:"▾"}.wf .queue .name{padding-left:calc(min(calc(var(--d,0) * 14px),9em) + 14px);color:var(--muted)}
        .wf .svc{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.wf .dur{text-align:right;white-space:nowrap}
        .track{position:relative;height:18px;background-image:repeating-linear-gradient(to right,var(--grid) 0 1px,transparent 1px var(--step))}
        .axis{color:var(--muted);border-bottom:1px solid var(--line);margin-bottom:2px}.axis .track{height:20px;background:none;container-type:inline-size}
        @container (max-width:560px){.axis .t.odd{display:none}}
        .axis .t{position:absolute;bottom:1px;transform:translateX(-50%);font-size:11px;white-space:nowrap}
        .axis .t::before{content:"";position:absolute;left:50%;bottom:-4px;height:4px;border-left:1px solid var(--muted)}
        .axis .t.first{transform:none}.axis .t.first::before{left:0}.axis .t.last{transform:translateX(-100%)}.axis .t.last::before{left:auto;right:0}
        .bar{position:absolute;top:4px;height:10px;min-width:2px;border-radius:2px;background:var(--bar)}
        .crit>details>summary .bar{background:var(--crit)}.error>details>summary .bar{background:var(--err)}
        .culprit>details>summary,.culprit>.row{background:var(--culprit-bg)}.culprit .bar{box-shadow:0 0 0 2px var(--culprit)}
        .ev{position:absolute;top:1px;height:16px;width:2px;margin-left:-1px;background:var(--tick);opacity:.7}
        .ev.warn{background:var(--warn);opacity:1}.ev.error{background:var(--err);opacity:1;width:3px}
        .mark{white-space:nowrap}.track .mark{position:absolute;top:0;line-height:18px;font-size:11px;font-weight:700}
        .track .mark.after{margin-left:5px}.track .mark.before{margin-right:5px}.track .mark.inside{text-align:center}\
        .track .mark.inside span{background:var(--culprit);color:var(--bg);padding:0 6px;border-radius:3px;line-height:14px;display:inline-block}
        .detail{margin:2px 0 8px calc(min(calc(var(--d,0) * 14px),9em) + 18px);padding:6px 10px;background:var(--panel);border-radius:6px}
        .detail pre{background:var(--bg)}.detail ol,.detail ul{margin:2px 0;padding-left:18px}
        p.err-msg{margin:0 0 2px calc(min(calc(var(--d,0) * 14px),9em) + 18px);color:var(--err)}
        ol.logs{list-style:none;margin:0 0 4px calc(min(calc(var(--d,0) * 14px),9em) + 18px);padding:0 0 0 8px;border-left:2px solid var(--line);font-size:12px}
        .log{display:grid;grid-template-columns:7.6em 3.2em minmax(0,1fr) fit-content(34%);grid-template-areas:"time lvl msg src";column-gap:10px;padding:1px 4px}
        .log time{grid-area:time;color:var(--muted)}.log .lvl{grid-area:lvl}.log .msg{grid-area:msg;white-space:pre-wrap}
        .log .src{grid-area:src;color:var(--muted);font-size:11px;text-align:right;line-height:1.6}
        .log.warn{background:var(--warn-bg)}.log.warn .lvl{color:var(--warn);font-weight:700}
        .log.error{background:var(--err-bg)}.log.error .lvl{color:var(--err);font-weight:700}
        .lsvc{background:var(--chip);border-radius:3px;padding:0 4px}.more summary{color:var(--muted)}.hidden-logs{padding:1px 4px}
        .legend{margin:4px 0 6px}.loose{margin-top:8px}.loose ol.logs{margin-left:0}.diagnostics li{margin:3px 0}
        @media (max-width:760px){
        body{padding:0 10px 32px;font-size:14px}h2{margin-top:26px}
        dl.facts{grid-template-columns:minmax(0,1fr);gap:0}dl.facts dd{margin-bottom:6px}
        table.traces,.traces tbody,.traces tr{display:block}.traces thead{display:none}
        .traces tr{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 8px}
        .traces td,.traces td.num{display:inline-block;border:0;padding:1px 12px 1px 0;text-align:left;white-space:normal}
        .traces td:nth-child(3),.traces td:nth-child(8){display:block}.traces tr.error td{background:none}
        .traces td::before{content:attr(data-label) " ";color:var(--muted);font-size:12px;font-weight:normal}\
        .traces td:nth-child(3)::before,.traces td:nth-child(6)::before,.traces td:nth-child(7)::before{content:none}
        article.trace{padding:8px 8px 6px;margin:14px 0}
        .wf .row{grid-template-columns:minmax(0,1fr) auto auto;grid-template-areas:"name svc dur" "track track track";row-gap:1px;padding:2px}
        .wf .name{grid-area:name;padding-left:min(calc(var(--d,0) * 8px),32px)}.wf .svc{grid-area:svc;max-width:9em;font-size:11px}
        .wf .queue .name{padding-left:calc(min(calc(var(--d,0) * 8px),32px) + 14px)}
        .wf .track{grid-area:track}.wf .dur{grid-area:dur}.axis .name,.axis .svc,.axis .dur{display:none}
        .detail,p.err-msg,ol.logs{margin-left:min(calc(var(--d,0) * 8px),32px)}
        .log{display:block}.log .lvl{margin:0 6px}.log .src{display:block}
        dl.kv{grid-template-columns:minmax(0,1fr)}dl.kv dd{margin-bottom:3px}
        }
        """
}
