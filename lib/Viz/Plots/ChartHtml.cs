using System.Net;
using System.Text.Json;
using Plotly.NET;

namespace DistillKit.Viz.Plots;

/// <summary>
/// The HTML a Plotly.NET <see cref="GenericChart"/> shows as in notebooks and the kit's reports: a <c>div</c> and a
/// script that draws the chart with <c>Plotly.newPlot</c>. The script uses the page's global <c>Plotly</c> when there is
/// one (the kit's offline HTML report loads the pinned <c>plotly.min.js</c> before the outputs), so it needs no network;
/// only on a page without it (VS Code, Jupyter) does it fetch plotly.js from <see cref="CdnUrl"/>, through require.js
/// where the page has it (classic Jupyter) and a <c>script</c> element otherwise.
/// </summary>
public static class ChartHtml
{
    /// <summary>The plotly.js fetched where the page has none: the version Plotly.NET writes its charts for.</summary>
    public static string CdnUrl { get; } = $"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min.js";

    /// <summary>
    /// The <c>div</c> + <c>script</c> fragment that draws <paramref name="chart"/> (data, layout and config as Plotly.NET
    /// writes them, <see cref="GenericChart.toJson"/>); <paramref name="divId"/> defaults to a fresh unique id.
    /// </summary>
    public static string Fragment(GenericChart chart, string? divId = null)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var id = divId ?? "dk-chart-" + Guid.NewGuid().ToString("N")[..12];
        var figure = ScriptSafe(GenericChart.toJson(chart));   // {"data": [...], "layout": {...}, "config": {...}}
        var cdn = CdnUrl[..^".js".Length];
        return $$"""
            <div id="{{WebUtility.HtmlEncode(id)}}" class="dk-plotly"></div>
            <script type="text/javascript">
            (function () {
              var id = {{ScriptSafe(JsonSerializer.Serialize(id))}}, figure = {{figure}};
              function draw() { Plotly.newPlot(id, figure.data, figure.layout, figure.config); }
              function fail(why) { document.getElementById(id).textContent = 'plotly.js is not on this page and could not be loaded (' + why + ').'; }
              if (window.Plotly) { draw(); return; }
              window.distillkitPlotly = window.distillkitPlotly || new Promise(function (resolve, reject) {
                if (typeof window.requirejs === 'function') {
                  window.requirejs.config({ context: 'distillkit-plotly', paths: { plotly: '{{cdn}}' } })(['plotly'],
                    function (p) { window.Plotly = p; resolve(); }, function () { reject('{{cdn}}.js'); });
                } else {
                  var s = document.createElement('script');
                  s.src = '{{cdn}}.js';
                  s.onload = function () { resolve(); };
                  s.onerror = function () { reject(s.src); };
                  document.head.appendChild(s);
                }
              });
              window.distillkitPlotly.then(draw, fail);
            })();
            </script>
            """;
    }

    /// <summary>JSON safe inside a <c>script</c> element: every <c>&lt;</c> (only ever inside strings) as <c>\u003c</c>.</summary>
    static string ScriptSafe(string json) => json.Replace("<", "\\u003c");
}
